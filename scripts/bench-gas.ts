/** Gas of the contracts (see scripts/gas-report.ts): the table the README's "Gas" section shows. */
import { formatGasTable, measureGas } from "./gas-report.js";

console.log(formatGasTable(await measureGas()));

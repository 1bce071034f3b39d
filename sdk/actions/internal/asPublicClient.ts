import { publicActions, type Chain, type Client, type PublicClient, type Transport } from "viem";

/** Any viem client for reading: a public client, or a wallet client (public actions are added to it). */
export type ShowworkReadClient = Client<Transport, Chain | undefined>;

/** The client with viem's public actions, for code written against `PublicClient`. */
export function asPublicClient(client: ShowworkReadClient): PublicClient {
  return ("readContract" in client && "getBlock" in client ? client : client.extend(publicActions)) as unknown as PublicClient;
}

/** Model-version timelines: reading them from the chain and drawing them. @module */
export { readModelTimeline, type ReadModelTimelineParameters } from "./readModelTimeline.js";
export { renderTimelineSvg, type RenderTimelineSvgParameters, type TimelineMarker } from "./renderTimelineSvg.js";
export type { ModelTimelineView, TimelineActivation } from "./types.js";

/**
 * @packageDocumentation
 * The `kdsim` command: run scenarios and render what the kernel did.
 */
export { main, COMMANDS } from './main.js';
export { renderRun } from './commands/run.js';
export { runOptions, withRunFlags, type RegisterCommand, type RunFlags } from './commands/command.js';
export type { CommandContext } from './commands/context.js';
export { type CliIo, type CliStream, processIo } from './output/io.js';
export { type Colors, colorEnabled, colorsFor } from './output/colors.js';
export { JSON_SCHEMA_VERSION, type JsonEnvelope, jsonEnvelope, renderJson } from './output/json.js';
export { CliError, type CliErrorKind, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL, formatUserError, reportError } from './output/errors.js';
export { type Progress, progressBar } from './output/progress.js';
export { type InputFormat, detectFormat } from './decode/detect.js';
export { printAcpiTable, printUnknownAcpiTable } from './decode/acpi-print.js';
export {
  type TopologyIds, type TopologyRow, type TopologyIommuRow, type TopologyTable,
  dtTopologyTable, acpiTopologyTable, renderTopologyTable,
} from './decode/topology.js';
export {
  type DecodeInput, type DecodedAcpiTable, type DecodedFile, type DecodeResult, type DecodeOptions, type DecodeTextParts, decodeInputs, renderDecodeText,
} from './decode/decode.js';
export {
  type IommuEdge, type GraphNodeState, type GraphNode, type GraphEdge, type DeviceGraph, type DeviceGraphOptions,
  deviceGraph, findGraphNode, renderDot, renderSvg,
} from './render/graph.js';
export { dotString, dotAttrs } from './render/dot.js';
export {
  type TimelineTrack, type TimelineSlice, type TimelineInstant, type Timeline, bootTimeline, contextKind,
} from './render/timeline.js';
export { type ChromeTraceEvent, type ChromeTrace, chromeTrace, timelineTrace } from './render/trace.js';
export { escapeHtml } from './render/html.js';
export { type TimelineSvgOptions, renderTimelineSvg } from './render/timeline-svg.js';
export { type ReportData, type ReportSchedule, type BuildReportOptions, renderReportHtml, buildReport, reportData } from './render/report.js';

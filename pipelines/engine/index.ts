// The engine's public surface: what pipeline and stage authors import. Everything else is internal.
export { defineStage } from './stage.ts';
export type { ArtifactRef, StageContext, StageDef, StageSummary, ParamsSchema } from './stage.ts';
export { definePipeline } from './pipeline.ts';
export type { PipelineDef, NodeSpec, InputWire } from './pipeline.ts';
export type { Manifest } from './manifest.ts';
export { UserError, EXIT } from './errors.ts';
export { openProject, runPipeline, pipelineStatus, explain, gc, verify } from './operations.ts';
export { runStage } from './testing.ts';

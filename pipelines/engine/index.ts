// The engine's public surface: what pipeline definitions, commands and stages import. Nothing in stages/ may
// import another engine file (the dependency rules in .dependency-cruiser.cjs hold it).
export { defineStage } from './stage.ts';
export type { ArtifactRef, StageContext, StageDef, StageSummary, ParamsSchema } from './stage.ts';
export { declareOutputs } from './outputs.ts';
export type { OutputHandle, OutputHandles, OutputKind, OutputSpec, InputsDecl } from './outputs.ts';
export { definePipeline } from './pipeline.ts';
export type { PipelineDef, NodeSpec, InputWire, Profile } from './pipeline.ts';
export type { Manifest } from './manifest.ts';
export { UserError, EXIT } from './errors.ts';
export { openProject, runPipeline, pipelineStatus, explain, gc, verify, resolveArtifact } from './operations.ts';
export type { Project, ResolvedArtifact } from './operations.ts';
export type { CliCommand, CommandContext } from './commands.ts';
export { formatMs, positiveInt } from './cli.ts';
export { runStage } from './testing.ts';
export { writeFileAtomic, commitFile, tempPathFor } from './atomic.ts';
export { canonicalJson } from './fingerprint.ts';
export { sha256File } from './hashing.ts';
export { readManifest } from './store.ts';

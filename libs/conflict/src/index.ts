export { analyzeDependencies } from './analysis';
export { detectConflicts } from './detect';
export { resolveConflicts } from './resolve';
export { DEFAULT_WEIGHTS } from './impact';
export { generateTaskSet, type TaskSetShape } from './generate';
export { ConflictInputError } from './errors';
export type * from './types';

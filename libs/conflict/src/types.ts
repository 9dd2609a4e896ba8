// Input and output shapes of the conflict core. Field names follow the seed's task request.

export type TaskPriority = 'critical' | 'high' | 'medium' | 'low';

export type Strategy = 'preemptive' | 'cooperative' | 'sequential' | 'parallel';

export type ConflictKind =
  | 'resource-contention'
  | 'dependency-cycle'
  | 'priority-inversion'
  | 'deadline-infeasible'
  | 'unknown-reference';

export interface RequiredCapability {
  capabilityId: string;
  version?: string;
  parameters?: Record<string, unknown>;
  alternatives?: string[];
  weight?: number;
}

export interface TaskBudget {
  maxTokens?: number;
  maxCost?: number;
  currency?: string;
  /** Carried with the task, not read by conflict analysis. */
  allocation?: object;
  tracking?: object;
}

export interface TaskMetadata {
  createdBy?: string;
  createdAt?: string;
  /** Seconds; the task's duration unless `duration` is given. */
  estimatedDuration?: number;
  complexity?: string;
  category?: string;
}

/** A resource a task uses: `exclusive` excludes every other overlapping user; `shared` takes `units` (default 1). */
export interface ResourceUse {
  id: string;
  mode: 'exclusive' | 'shared';
  units?: number;
}

/** Half-open interval [start, end) of ISO instants during which the task holds its resources. */
export interface TimeWindow {
  start: string;
  end: string;
}

/**
 * The seed's task request. The core reads id, priority, dependencies, deadline, budget,
 * metadata.estimatedDuration (or duration), resources and window; the service validates the rest.
 */
export interface TaskRequest {
  id: string;
  workflowId?: string;
  requiredCapabilities?: RequiredCapability[];
  priority: TaskPriority;
  deadline?: string;
  budget?: TaskBudget;
  /** Carried with the task, not read by conflict analysis. */
  context?: object;
  /** Ids of the tasks this one waits for. */
  dependencies?: string[];
  slaRequirements?: object;
  metadata?: TaskMetadata;
  /** Seconds; overrides metadata.estimatedDuration. */
  duration?: number;
  resources?: ResourceUse[];
  window?: TimeWindow;
}

/** A resource declared by the request; undeclared resources have unlimited capacity for shared use. */
export interface ResourceCapacity {
  id: string;
  capacity: number;
}

export interface SharedBudget {
  maxTokens?: number;
  maxCost?: number;
  currency?: string;
}

export interface ConflictInput {
  tasks: TaskRequest[];
  resources?: ResourceCapacity[];
  budget?: SharedBudget;
}

export interface DetectOptions {
  /** The clock: epoch milliseconds or an ISO instant. Deadlines are measured from it. */
  now: number | string;
}

export interface ImpactWeights {
  cost: number;
  quality: number;
  risk: number;
  delay: number;
}

export interface ResolveOptions extends DetectOptions {
  /** Weights of the selection rule; missing ones keep their defaults. */
  weights?: Partial<ImpactWeights>;
  /** Restrict the strategies considered (default: all four). */
  strategies?: Strategy[];
}

export interface Conflict {
  kind: ConflictKind;
  /** Ids of the tasks involved, sorted. */
  tasks: string[];
  description: string;
  evidence: Record<string, unknown>;
}

/** CPM figures of one task, in seconds from `now`. */
export interface ScheduledTask {
  id: string;
  duration: number;
  earliestStart: number;
  earliestFinish: number;
  latestStart: number;
  latestFinish: number;
  slack: number;
}

export interface RemovedDependency {
  /** The task whose dependency was dropped. */
  taskId: string;
  dependsOn: string;
  /** 10 × weight(taskId) + weight(dependsOn); see docs/conflict.md. */
  cost: number;
  /** The elementary cycle the edge was removed from, first task repeated at the end. */
  cycle: string[];
}

export interface DependencyAnalysis {
  order: string[];
  stages: string[][];
  criticalPath: string[];
  makespan: number;
  schedule: ScheduledTask[];
  removedDependencies: RemovedDependency[];
  unknownReferences: Array<{ taskId: string; missing: string[] }>;
}

export interface Impact {
  cost: number;
  quality: number;
  risk: number;
  delay: number;
}

export interface PriorityAdjustment {
  taskId: string;
  from: TaskPriority;
  to: TaskPriority;
  reason: 'priority-inheritance';
  /** The higher-priority task whose priority was inherited. */
  inheritedFrom: string;
}

export interface StrategyOutcome {
  strategy: Strategy;
  impact: Impact;
  makespan: number;
  score: number;
  criticalPath: string[];
}

export interface ResolutionPlan {
  conflicts: Conflict[];
  strategy: Strategy;
  order: string[];
  stages: string[][];
  criticalPath: string[];
  makespan: number;
  impact: Impact;
  score: number;
  alternatives: StrategyOutcome[];
  explanation: string;
  removedDependencies: RemovedDependency[];
  priorityAdjustments: PriorityAdjustment[];
}

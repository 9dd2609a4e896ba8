// The seed's decision request, for the decision specs over NATS (plain and secure).
const now = () => new Date().toISOString();
const attr = (criterion: string, value: number, confidence = 0.9) => ({
  criterion,
  value,
  unit: 'score',
  confidence,
  source: 'benchmark',
  timestamp: now(),
});

function alternative(id: string, name: string, proposedBy: string, quality: number, cost: number) {
  return {
    id,
    name,
    description: `${name} model`,
    proposedBy,
    attributes: [attr('quality', quality), attr('cost', cost, 0.8)],
    impact: {
      stakeholderImpact: { users: 0.8, engineering: -0.2 },
      systemImpact: 0.6,
      reversibility: 0.7,
      magnitude: 0.8,
      timeHorizon: 12,
    },
    feasibility: {
      technical: 0.9,
      economic: 0.7,
      operational: 0.8,
      legal: 0.95,
      overall: 0.85,
      confidence: 0.8,
    },
    cost: {
      initial: 50000,
      ongoing: 10000,
      hidden: 5000,
      opportunity: 2000,
      total: 67000,
      currency: 'USD',
      confidence: 0.8,
    },
    risks: [
      { description: 'vendor lock-in', probability: 0.3, impact: 0.5, mitigation: 'abstraction layer' },
    ],
    benefits: [],
    dependencies: [],
    timeline: { planning: 30, implementation: 60, testing: 30, deployment: 14, total: 134 },
  };
}

export function stakeholder(id: string, role: string, ai: number) {
  return {
    id,
    name: id.toUpperCase(),
    role,
    influence: 0.7,
    expertise: {
      domains: { ai, technology: 0.8 },
      experience: 10,
      credentialScore: 0.8,
      trackRecord: 0.8,
      lastUpdated: now(),
    },
    interests: ['innovation'],
    votingWeight: 0.3,
    trustScore: 0.9,
    biasFactors: { cognitive: {}, personal: {}, organizational: {}, temporal: 0.1 },
  };
}

/** The seed's decision request, with three alternatives and three stakeholders. */
export function seedRequest(extra: Record<string, unknown> = {}) {
  return {
    id: 'decision-1',
    title: 'Select AI Model for Production',
    description: 'Choose the best AI model for our production workload',
    alternatives: [
      alternative('gpt-4', 'GPT-4', 'ai-team', 0.9, 0.3),
      alternative('claude', 'Claude', 'platform-team', 0.92, 0.35),
      alternative('llama', 'Llama', 'ops-team', 0.7, 0.1),
    ],
    criteria: [
      {
        criterion: 'quality',
        weight: 0.4,
        rationale: 'user satisfaction',
        stakeholderAgreement: 0.9,
        adjustable: false,
      },
      {
        criterion: 'cost',
        weight: 0.3,
        rationale: 'sustainability',
        stakeholderAgreement: 0.8,
        adjustable: true,
      },
    ],
    constraints: [],
    stakeholders: [
      stakeholder('cto', 'executive', 0.8),
      stakeholder('lead', 'engineer', 0.9),
      stakeholder('pm', 'user', 0.6),
    ],
    deadline: new Date(Date.now() + 86_400_000).toISOString(),
    votingSystem: 'expertise_weighted',
    quorum: {
      minimum: 3,
      percentage: 0.75,
      stakeholderTypes: ['executive', 'engineer', 'user'],
      expertiseThreshold: 0.6,
    },
    metadata: {
      createdBy: 'decision-system',
      createdAt: now(),
      urgency: 'high',
      confidentiality: 'internal',
      reversibility: 0.7,
      precedentSetting: true,
      tags: ['ai', 'production', 'strategic'],
    },
    ...extra,
  };
}

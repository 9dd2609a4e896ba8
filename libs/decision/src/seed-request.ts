// The seed document's decision request in wire form, with a second alternative and more stakeholders.
import type { DecisionRequest, Stakeholder } from './types';

const at = '2026-01-04T12:00:00.000Z';
const stakeholder = (id: string, role: string, overrides: Partial<Stakeholder> = {}): Stakeholder => ({
  id,
  name: id,
  role,
  influence: 0.5,
  expertise: { domains: { ai: 0.7 }, experience: 5, credentialScore: 0.8, trackRecord: 0.8, lastUpdated: at },
  interests: [],
  votingWeight: 0.2,
  trustScore: 0.8,
  biasFactors: { cognitive: {}, personal: {}, organizational: {}, temporal: 0.1 },
  ...overrides,
});

export function seedRequest(): DecisionRequest {
  return {
    id: 'decision-1',
    title: 'Select AI Model for Production',
    description: 'Choose the best AI model for our production workload',
    alternatives: [
      {
        id: 'gpt-4',
        name: 'GPT-4',
        description: 'OpenAI GPT-4 model',
        proposedBy: 'ai-team',
        attributes: [
          {
            criterion: 'quality',
            value: 0.9,
            unit: 'score',
            confidence: 0.9,
            source: 'benchmark',
            timestamp: at,
          },
          {
            criterion: 'cost',
            value: 0.3,
            unit: 'normalized',
            confidence: 0.8,
            source: 'pricing',
            timestamp: at,
          },
        ],
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
        risks: [{ description: 'vendor lock-in', probability: 0.5, impact: 0.9 }, 'rate limits during peaks'],
        benefits: [],
        dependencies: [
          { id: 'api-gateway', dependsOn: ['billing-account'] },
          { id: 'billing-account', critical: true },
        ],
        timeline: { planning: 30, implementation: 60, testing: 30, deployment: 14, total: 134 },
      },
      {
        id: 'llama-3',
        name: 'Llama 3 self-hosted',
        proposedBy: 'platform-team',
        attributes: [
          {
            criterion: 'quality',
            value: 0.75,
            unit: 'score',
            confidence: 0.7,
            source: 'benchmark',
            timestamp: at,
          },
          {
            criterion: 'cost',
            value: 0.2,
            unit: 'normalized',
            confidence: 0.6,
            source: 'estimate',
            timestamp: at,
          },
        ],
        impact: { reversibility: 0.3 },
        risks: [],
        benefits: [],
        dependencies: [],
        timeline: { planning: 20, implementation: 90, testing: 40, deployment: 20, total: 180 },
      },
    ],
    criteria: [
      {
        criterion: 'quality',
        weight: 0.4,
        rationale: 'Quality is critical for user satisfaction',
        stakeholderAgreement: 0.9,
        adjustable: false,
      },
      {
        criterion: 'cost',
        weight: 0.3,
        rationale: 'Cost efficiency is important for sustainability',
        stakeholderAgreement: 0.8,
        adjustable: true,
      },
    ],
    constraints: [],
    stakeholders: [
      stakeholder('cto', 'executive', {
        name: 'Chief Technology Officer',
        influence: 0.9,
        expertise: {
          domains: { ai: 0.8, technology: 0.9 },
          experience: 15,
          credentialScore: 0.9,
          trackRecord: 0.85,
          lastUpdated: at,
        },
        interests: ['innovation', 'scalability'],
        votingWeight: 0.3,
        trustScore: 0.95,
      }),
      stakeholder('lead-engineer', 'engineer'),
      stakeholder('ux-lead', 'user', { expertise: { domains: { ai: 0.6, user_experience: 0.9 } } }),
      stakeholder('analyst', 'analyst'),
    ],
    deadline: '2026-01-06T12:00:00.000Z',
    votingSystem: 'expertise_weighted',
    quorum: {
      minimum: 3,
      percentage: 0.75,
      stakeholderTypes: ['executive', 'engineer', 'user'],
      expertiseThreshold: 0.6,
    },
    metadata: {
      createdBy: 'decision-system',
      createdAt: at,
      urgency: 'high',
      confidentiality: 'internal',
      reversibility: 0.7,
      precedentSetting: true,
      tags: ['ai', 'production', 'strategic'],
    },
  };
}

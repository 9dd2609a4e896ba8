import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const CORES = ['consensus', 'conflict', 'decision', 'registry'];
const SERVICES = ['registry', 'ordering', 'consensus', 'conflict', 'decision', 'transport-health'];
const frameworks = [
  { group: ['@nestjs/*', 'nats', 'mongoose', 'class-validator', 'class-transformer'], message: 'Domain cores stay free of NestJS, NATS, MongoDB and the DTO machinery.' },
];

// Layers (docs/decisions.md): contracts import nothing of ours; cores import only the contracts' vocabulary;
// plumbing libs never import services; a service never imports another service.
const layers = [
  {
    files: ['libs/contracts/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@ossa/*', '../../*/**', '../../../*'], message: 'libs/contracts imports nothing of ours: it is the wire contract every other part builds on.' }] }],
    },
  },
  ...CORES.map((core) => ({
    files: [`libs/${core}/src/**/*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...frameworks,
            { regex: `^@ossa/(?!contracts/vocabulary$|${core}$)`, message: `libs/${core} is a domain core: it may import only @ossa/contracts/vocabulary.` },
            { group: ['../../../*', '**/services/**'], message: 'A domain core never reaches outside its lib.' },
          ],
        },
      ],
    },
  })),
  {
    // The security core (crypto, permissions, JWTs, audit records) imports no framework; NATS only in adapters/.
    files: ['libs/security/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/security/src/adapters/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...frameworks, { group: ['@ossa/*', '**/services/**'], message: 'libs/security imports no other lib of ours.' }] }],
    },
  },
  {
    files: ['libs/{messaging,observability,persistence,replica-log,runtime,security}/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/services/**'], message: 'Plumbing libs never import a service.' }] }],
    },
  },
  ...SERVICES.map((service) => ({
    files: [`services/${service}/src/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: SERVICES.filter((s) => s !== service).flatMap((s) => [`**/${s}/src/**`, `../../${s}/**`]), message: `services/${service} never imports another service: share through libs/.` },
            { group: ['**/libs/**'], message: 'Import a lib by its @ossa/<lib> entry, never by a path.' },
          ],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  ...layers,
);

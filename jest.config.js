// Unit specs sit beside the code; integration specs live in test/ and share the servers that
// test/support/global-setup.ts brings up (explicit NATS_URL/MONGO_URL, else containers, else local servers).
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, keepClassNames: true } }];
const moduleNameMapper = {
  '^@ossa/testing$': '<rootDir>/test/support/index.ts',
  '^@ossa/contracts/vocabulary$': '<rootDir>/libs/contracts/src/vocabulary.ts',
  '^@ossa/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
};
const common = { rootDir: __dirname, setupFiles: ['reflect-metadata'], testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, moduleNameMapper };

module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,bench}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};

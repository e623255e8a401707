/**
 * Makes Application Default Credentials unusable for the duration of a test file: a key file that
 * does not exist and a metadata server on a closed port. Any client that still tries to
 * authenticate fails loudly instead of silently picking up a developer's gcloud login.
 */
export function withoutGoogleCredentials(): void {
  const saved: Record<string, string | undefined> = {};
  const poisoned: Record<string, string> = {
    GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/cdnlog-contract-test-credentials.json',
    GCE_METADATA_HOST: '127.0.0.1:9',
    GCE_METADATA_IP: '127.0.0.1:9',
    // Names read by the libraries directly; the factories must get everything from their env argument.
    BIGQUERY_EMULATOR_HOST: '',
    STORAGE_EMULATOR_HOST: '',
    PUBSUB_EMULATOR_HOST: '',
  };
  beforeAll(() => {
    for (const [key, value] of Object.entries(poisoned)) {
      saved[key] = process.env[key];
      if (value === '') delete process.env[key];
      else process.env[key] = value;
    }
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });
}

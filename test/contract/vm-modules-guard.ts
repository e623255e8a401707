/**
 * teeny-request 10 (the HTTP layer of @google-cloud/bigquery 8 and @google-cloud/storage 7)
 * loads node-fetch 3 with a dynamic `import()`. Inside jest's CommonJS sandbox that only works
 * when node runs with --experimental-vm-modules; otherwise every request fails with
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG. Fail early with the fix instead.
 */
export function requireVmModules(): void {
  const flag = '--experimental-vm-modules';
  const enabled = process.execArgv.includes(flag) || (process.env.NODE_OPTIONS ?? '').includes(flag);
  beforeAll(() => {
    if (!enabled) {
      throw new Error(`HTTP contract tests need NODE_OPTIONS=${flag} (teeny-request imports node-fetch dynamically)`);
    }
  });
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cdnlog, ensureBuilt, root } from './support/cli-binary';

/** Every `node bin/cdnlog.js …` the README shows, from its code blocks: the command and its options. */
function readmeCommands(): { name: string; options: string[] }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/\\\n/g, ' '));
  const commands: { name: string; options: string[] }[] = [];
  for (const block of blocks) {
    for (const line of block.split('\n')) {
      // Pipelines: each stage on its own. Alternatives (media-cdn|edgeone) have no space around the bar.
      for (const stage of line.replace(/ #.*$/, '').split(/ \| /)) {
        const match = /node bin\/cdnlog\.js +(.*)$/.exec(stage);
        if (!match) continue;
        const rest = match[1]!.replace(/"[^"]*"|'[^']*'/g, '""');
        const [name] = rest.split(/\s+/);
        commands.push({ name: name!, options: [...rest.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]) });
      }
    }
  }
  return commands;
}

beforeAll(ensureBuilt);

describe('the README, run against the real binary', () => {
  const commands = readmeCommands();

  it('shows the CLI as it runs from a clone, not through npx', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).not.toMatch(/npx cdnlog /);
  });

  it('uses only commands and options the binary has', async () => {
    const helps = new Map<string, string>();
    for (const { name, options } of commands) {
      if (name === '--help') continue;
      if (!helps.has(name)) {
        const help = await cdnlog([name, '--help']);
        expect({ name, code: help.code }).toEqual({ name, code: 0 });
        helps.set(name, help.stdout);
      }
      for (const option of options) {
        expect({ name, option, listed: new RegExp(`${option}\\b`).test(helps.get(name)!) }).toEqual({ name, option, listed: true });
      }
    }
    // The parse found the options, not just the command names.
    expect(commands.find((c) => c.name === 'ingest')!.options).toEqual(['--source', '--sink', '--db', '--keep-going']);
  });

  it('cdnlog --help lists every command the README shows', async () => {
    const help = await cdnlog(['--help']);
    expect(help.code).toBe(0);
    for (const { name } of commands) if (name !== '--help') expect(help.stdout).toContain(`  ${name}`);
  });
});

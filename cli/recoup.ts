import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config/config';
import { createDb } from '../db/client';
import { DataFolderInUse, lockHolder, type LockHolder } from '../db/data-folder-lock';
import { generatePlacementFile } from '../files/placement-generator';
import { ADMIN_CHANNEL_PATH } from '../api/admin-channel';
import { databaseCommands, invalidValues, runDatabaseCommand, type CommandResult, type CommandValues, type DatabaseCommand, type OptionSpec } from './commands';

/**
 * `npm run recoup -- <command>`: ops tasks from the shell. Exit codes: 0 done, 1 the command
 * failed (nothing to revoke, a taken name, the database held by another process), 2 a usage
 * error (unknown command, missing or bad flag).
 */

const description = 'recoup: ops tasks from the shell (partners, API keys, console users, SFTP logins, stored secrets).';

interface CommandHelp {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

const placementCommand: CommandHelp = {
  name: 'files:generate-placement',
  summary: 'Write a placement batch file of n generated invoices (docs/batch-files.md); needs no database.',
  options: {
    company: { value: '<company id>', description: 'the company the invoices are for', required: true },
    records: { value: '<n>', description: 'how many invoices', required: true },
    out: { value: '<file>', description: 'where to write the file', required: true },
    transmit: { value: 'true|false', description: 'whether the file asks for transmission (default true)' },
    prefix: { value: '<id prefix>', description: 'prefix of the generated invoice numbers' },
  },
};

const commands: readonly CommandHelp[] = [...databaseCommands, placementCommand];

function usageLine(c: CommandHelp): string {
  const flags = Object.entries(c.options).map(([name, o]) => {
    const flag = `--${name} ${o.choices ? o.choices.join('|') : o.value}${o.multiple ? '...' : ''}`;
    return o.required ? flag : `[${flag}]`;
  });
  return `Usage: npm run recoup -- ${c.name}${flags.length ? ` ${flags.join(' ')}` : ''}`;
}

function commandHelp(c: CommandHelp): string {
  const rows = Object.entries(c.options).map(([name, o]) => {
    const notes = [o.choices ? `one of ${o.choices.join(', ')}` : '', o.required ? 'required' : '', o.multiple ? 'repeatable' : ''].filter(Boolean);
    return `  ${`--${name} ${o.value}`.padEnd(28)} ${o.description}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  });
  return [usageLine(c), '', c.summary, ...(rows.length ? ['', 'Options:', ...rows] : [])].join('\n');
}

function generalHelp(): string {
  return [
    description,
    '',
    'Usage: npm run recoup -- <command> [options]',
    '       npm run recoup -- <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(26)} ${c.summary}`),
    '',
    'On the embedded database (no DATABASE_URL) while `npm start` runs on the same data folder, the',
    'commands run inside that process, which alone may open the database; it sees the change at once.',
  ].join('\n');
}

/** A usage error: what is wrong, the command's usage line, exit code 2. */
function usageError(message: string, c?: CommandHelp): number {
  console.error(
    c ? `${c.name}: ${message}\n${usageLine(c)}\nMore: npm run recoup -- ${c.name} --help` : `${message}\nUsage: npm run recoup -- <command> [options]\nRun \`npm run recoup -- --help\` for the list of commands.`,
  );
  return 2;
}

function parseValues(c: CommandHelp, args: string[]): { values: CommandValues & { help?: boolean } } | { error: string } {
  try {
    const options = Object.fromEntries(Object.entries(c.options).map(([name, o]) => [name, { type: 'string' as const, multiple: o.multiple ?? false }]));
    const { values } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return { values: values as CommandValues & { help?: boolean } };
  } catch (err) {
    // Node's own wording names the flag ("Unknown option '--nme'", "Option '--name <value>' argument missing").
    return { error: (err as Error).message.split('\n')[0]! };
  }
}

function print(result: CommandResult): number {
  for (const line of result.stdout) console.log(line);
  for (const line of result.stderr) console.error(line);
  return result.code;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(generalHelp());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] ? commands.find((c) => c.name === rest[0]) : undefined;
    if (rest[0] && !about) return usageError(`unknown command "${rest[0]}"`);
    console.log(about ? commandHelp(about) : generalHelp());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) return usageError(name.startsWith('-') ? `unknown option "${name}" (a command comes first)` : `unknown command "${name}"`);
  const parsed = parseValues(command, rest);
  if ('error' in parsed) return usageError(parsed.error, command);
  const { help, ...values } = parsed.values;
  if (help) {
    console.log(commandHelp(command));
    return 0;
  }
  if (command === placementCommand) return generatePlacementCommand(values);
  const databaseCommand = command as DatabaseCommand;
  const invalid = invalidValues(databaseCommand, values);
  if (invalid) return usageError(invalid, command);
  const resolved = databaseCommand.resolveLocal?.(values) ?? values;

  const config = loadConfigOrExit();
  const embedded = !config.DATABASE_URL && config.RECOUP_DATA_DIR !== 'memory://';
  const dataDir = path.resolve(config.RECOUP_DATA_DIR);
  const holder = embedded ? lockHolder(dataDir) : null;
  if (holder) return print(await sendToHolder(dataDir, holder, name, resolved));
  let database;
  try {
    database = createDb({ databaseUrl: config.DATABASE_URL, dataDir: config.RECOUP_DATA_DIR, holder: `npm run recoup -- ${name}` });
  } catch (err) {
    // Taken between our look and our open: say by whom.
    if (!(err instanceof DataFolderInUse)) throw err;
    console.error(err.message);
    return 1;
  }
  try {
    await database.migrate();
    return print(await runDatabaseCommand({ db: database.db, config }, name, resolved));
  } finally {
    await database.close();
  }
}

/** Runs the command in the process holding the embedded database (`npm start`'s admin channel). */
async function sendToHolder(dataDir: string, holder: LockHolder, name: string, values: CommandValues): Promise<CommandResult> {
  if (!holder.admin) {
    const still = `The embedded database in ${dataDir} is held by pid ${holder.pid} (npm start, since ${holder.started_at}), which is still starting: run this again once it has printed "Recoup is running."`;
    // Only `npm start` takes commands; `npm run api` or `worker` on the embedded database must be stopped first.
    return { code: 1, stdout: [], stderr: [holder.command === 'npm start' ? still : `${new DataFolderInUse(dataDir, holder).message}\nThat process takes no commands (only \`npm start\` does).`] };
  }
  const res = await fetch(`${holder.admin.url}${ADMIN_CHANNEL_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${holder.admin.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command: name, values }),
  }).catch((err: unknown) => {
    throw new Error(`could not reach the running npm start (pid ${holder.pid}) at ${holder.admin!.url}: ${(err as Error).message}`, { cause: err });
  });
  if (!res.ok) throw new Error(`the running npm start (pid ${holder.pid}) refused the command: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as CommandResult;
}

/** `files:generate-placement`: a placement batch file of n generated invoices (docs/batch-files.md). */
async function generatePlacementCommand(values: CommandValues): Promise<number> {
  const [company, out, transmit, prefix] = [values.company, values.out, values.transmit, values.prefix] as Array<string | undefined>;
  const missing = Object.entries(placementCommand.options).find(([flag, o]) => o.required && !values[flag]);
  if (missing) return usageError(`missing --${missing[0]} ${missing[1].value}`, placementCommand);
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 0) return usageError(`--records must be a whole number, 0 or more (got "${values.records as string}")`, placementCommand);
  const { bytes } = await generatePlacementFile({ companyId: company!, records, out: out!, transmit: transmit !== 'false', prefix });
  console.log(JSON.stringify({ out, records, bytes }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

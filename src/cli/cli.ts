import "reflect-metadata";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { GraphQLError } from "graphql";
import { systemClock } from "../common/clock";
import { ConfigError, loadConfig } from "../config";
import { openDatabase } from "../db/database";
import { EmbeddedDatabaseError } from "../db/embedded";
import { isUuid } from "../common/pagination";
import { apiKeyStatus } from "../keys/api-key-rules";
import { createLogger } from "../logger";
import { closeServices, createServices, Services } from "../services";

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  create-workspace --name <workspace> --email <admin e-mail>
      Creates a workspace and its first ADMIN. The password is read from GRANTQL_PASSWORD,
      or from standard input. Prints the new ids, nothing secret.
  revoke-key <key-id> [--reason <text>]
      Break-glass revocation of any key by id. Permanent; revoking again changes nothing.
  list-keys --workspace <workspace-id>
      The workspace's keys, newest first: id, prefix, status, name.`;

async function readPassword(): Promise<string> {
  if (process.env.GRANTQL_PASSWORD) return process.env.GRANTQL_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write("password for the new ADMIN (input is not hidden; prefer GRANTQL_PASSWORD): ");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

type Command = (services: Services, positionals: string[], values: Record<string, string | undefined>) => Promise<void>;

const commands: Record<string, Command> = {
  "create-workspace": async (services, _args, values) => {
    if (!values.name || !values.email) throw new UsageError("create-workspace needs --name and --email");
    const { workspace, member } = await services.members.createWorkspace({
      workspaceName: values.name,
      email: values.email,
      password: await readPassword(),
    });
    console.log(
      `created workspace ${workspace.id} (${workspace.name}) with ADMIN ${member.id} <${member.email}>; sign in with signIn to get a session`,
    );
  },
  "revoke-key": async (services, args, values) => {
    if (args.length !== 1) throw new UsageError("revoke-key needs exactly one key id");
    const key = await services.apiKeys.revokeByOperator(args[0], values.reason);
    console.log(
      `key ${key.id} (${key.prefix}, "${key.name}") is revoked since ${key.revokedAt?.toISOString()}${key.revocationReason ? `: ${key.revocationReason}` : ""}`,
    );
  },
  "list-keys": async (services, _args, values) => {
    if (!values.workspace || !isUuid(values.workspace)) throw new UsageError("list-keys needs --workspace with a workspace id (a UUID)");
    let after = null;
    const now = systemClock.now();
    do {
      const page: Awaited<ReturnType<Services["apiKeys"]["list"]>> = await services.apiKeys.list(values.workspace, null, {
        first: 100,
        after,
      });
      for (const key of page.nodes) console.log(`${key.id}  ${key.prefix}  ${apiKeyStatus(key, now).padEnd(7)}  ${key.name}`);
      after = page.pageInfo.hasNextPage
        ? { at: page.nodes[page.nodes.length - 1].createdAt, id: page.nodes[page.nodes.length - 1].id }
        : null;
    } while (after);
  },
};

class UsageError extends Error {}

function describe(error: unknown): string {
  if (error instanceof GraphQLError) {
    const fields = error.extensions.fields as { field: string; message: string }[] | undefined;
    return fields ? fields.map((f) => `${f.field}: ${f.message}`).join("; ") : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export async function runCli(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      email: { type: "string" },
      reason: { type: "string" },
      workspace: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? commands[name] : undefined;
  if (!command || values.help) {
    console.error(USAGE);
    return name && !values.help ? 2 : 0;
  }
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? "warn");
  const database = await openDatabase(config, logger);
  const services = createServices(database.dataSource, config, systemClock);
  try {
    await command(services, args, values as Record<string, string | undefined>);
    return 0;
  } finally {
    await closeServices(services);
    await database.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof UsageError) console.error(`grantql: ${error.message}\n\n${USAGE}`);
      else if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) console.error(`grantql: ${error.message}`);
      else console.error(`grantql: ${describe(error)}`);
      process.exit(1);
    },
  );
}

// The tools an MCP test server offers, and the per-session McpServer built from them. A catalog is
// shared by every session of one server so adding/removing a tool reaches every connected client
// as `notifications/tools/list_changed`.
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** Names of its (optional, string) parameters: its input schema. Default: `text`. */
  readonly params?: readonly string[];
}

export interface ToolCatalog {
  list(): readonly ToolSpec[];
  /** Adds (or replaces) a tool; every live session is told its tool list changed. */
  add(tool: ToolSpec): void;
  /** Removes a tool; returns false when there was none by that name. */
  remove(name: string): boolean;
  /** A fresh McpServer for one session, kept in sync with the catalog until `detach`. */
  createServer(): { readonly server: McpServer; detach(): void };
}

/** A few plausible tools for a server called e.g. `billing_mcp`. */
export function defaultTools(serverName: string, count = 3): ToolSpec[] {
  const domain = serverName.replace(/_?mcp$/i, '') || 'demo';
  const base: ToolSpec[] = [
    { name: 'echo', description: 'Echo the given text back.' },
    { name: `${domain}_lookup`, description: `Look up one ${domain} record by id.` },
    { name: `${domain}_search`, description: `Search ${domain} records by text.` },
    { name: 'add', description: 'Add two numbers.' },
    { name: 'now', description: 'Current server time.' },
  ];
  const tools = base.slice(0, Math.min(count, base.length));
  for (let i = tools.length; i < count; i++) {
    tools.push({ name: `${domain}_tool_${i}`, description: `Generated tool #${i}.` });
  }
  return tools;
}

function register(server: McpServer, serverName: string, tool: ToolSpec): RegisteredTool {
  return server.registerTool(
    tool.name,
    {
      description: tool.description,
      inputSchema: Object.fromEntries(
        (tool.params ?? ['text']).map((p) => [p, z.string().max(10_000).optional()]),
      ),
    },
    (args: Record<string, string | undefined>) => ({
      content: [
        {
          type: 'text',
          text: `${serverName}/${tool.name}: ${Object.values(args).filter(Boolean).join(' ')}`,
        },
      ],
    }),
  );
}

export function createToolCatalog(serverName: string, initial: readonly ToolSpec[]): ToolCatalog {
  const tools = new Map<string, ToolSpec>(initial.map((t) => [t.name, t]));
  // Live sessions: their server and the handle of each tool registered on it.
  const sessions = new Set<{ server: McpServer; handles: Map<string, RegisteredTool> }>();

  return Object.freeze({
    list: () => [...tools.values()],
    add(tool: ToolSpec): void {
      tools.set(tool.name, tool);
      for (const s of sessions) {
        s.handles.get(tool.name)?.remove();
        // registerTool announces tools/list_changed itself once the server is connected.
        s.handles.set(tool.name, register(s.server, serverName, tool));
      }
    },
    remove(name: string): boolean {
      if (!tools.delete(name)) return false;
      for (const s of sessions) {
        s.handles.get(name)?.remove();
        s.handles.delete(name);
      }
      return true;
    },
    createServer() {
      const server = new McpServer(
        { name: serverName, version: '1.0.0' },
        // Declared up front so a server whose catalog is momentarily empty still advertises it.
        { capabilities: { tools: { listChanged: true } } },
      );
      const handles = new Map<string, RegisteredTool>();
      for (const tool of tools.values()) handles.set(tool.name, register(server, serverName, tool));
      const entry = { server, handles };
      sessions.add(entry);
      return { server, detach: () => void sessions.delete(entry) };
    },
  });
}

/** Body of `POST /tools`: add (or replace) a tool, or remove one by name. */
export const ToolsRequest = z.union([
  z.strictObject({
    add: z.strictObject({
      name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
      description: z.string().max(1000).optional(),
      /** Parameter names (the input schema); replacing a tool with others changes its schema. */
      params: z
        .array(z.string().regex(/^[A-Za-z0-9_]{1,64}$/))
        .max(32)
        .optional(),
    }),
  }),
  z.strictObject({ remove: z.string().min(1).max(128) }),
]);
export type ToolsRequest = z.infer<typeof ToolsRequest>;

/** Applies a tools request; returns an error message when the tool to remove does not exist. */
export function applyToolsRequest(catalog: ToolCatalog, request: ToolsRequest): string | null {
  if ('add' in request) {
    const { name, description, params } = request.add;
    catalog.add({
      name,
      description: description ?? `Tool ${name}.`,
      ...(params === undefined ? {} : { params }),
    });
    return null;
  }
  return catalog.remove(request.remove) ? null : `no tool named ${request.remove}`;
}

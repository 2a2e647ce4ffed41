// MCP test servers: real MCP over streamable HTTP or the older HTTP+SSE transport (one or a fleet,
// with fault switches and a control API, optionally over https with a throwaway CA) and a runnable
// stdio server, in the 2025 protocol generation; and servers of the 2026-07-28 revision
// (stateless, server/discover) over streamable HTTP and stdio.
export * from './fault.js';
export * from './tools.js';
export * from './http-server.js';
export * from './test-ca.js';
export * from './fleet.js';
export * from './fleet-control.js';
export * from './stdio-path.js';
export * from './modern-core.js';
export * from './modern-server.js';

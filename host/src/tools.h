/* quip-host's one-shot tools (tools.c). */
#ifndef QUIP_TOOLS_H
#define QUIP_TOOLS_H

/** Compiles a bundle to this engine's bytecode; the exit code. */
int tool_compile(const char *in, const char *out);
/** Runs a script with print(), now() and cpuMs(); the exit code. */
int tool_run(const char *path);

#endif

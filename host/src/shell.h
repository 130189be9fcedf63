/* The host shell: a trusted JavaScript bundle (host/shell/shell.ts, built from the same
 * TypeScript the Node emulator uses) in its own QuickJS runtime, apart from the firmware's, so a
 * firmware crash or heap exhaustion never touches it. It checks board configs, parses control
 * lines and keeps the LCD model, which makes this host's stdout match `quip emulate`'s. */
#ifndef QUIP_SHELL_H
#define QUIP_SHELL_H

#include <stddef.h>

typedef struct shell shell;

typedef enum { SA_STR, SA_NUM, SA_BOOL, SA_UNDEF } shell_arg_kind;
typedef struct {
  shell_arg_kind kind;
  const char *str; /* SA_STR: UTF-8 */
  size_t len;
  double num; /* SA_NUM, SA_BOOL */
} shell_arg;

/** Evaluates the shell bundle (it defines the global quipShell); NULL with err on failure. */
shell *shell_open(const char *js, size_t len, char *err, size_t errcap);
void shell_close(shell *s);
/** quipShell[fn](...args) as a malloc'd UTF-8 string (String(result)); NULL when it threw (logged to stderr). */
char *shell_call(shell *s, const char *fn, int argc, const shell_arg *args);
/** Convenience for calls whose arguments are all strings. */
char *shell_call_str(shell *s, const char *fn, int argc, const char *const *args);

/** A parsed JSON document kept in the shell runtime, read by dotted paths ("board.sip.port"). */
typedef struct shell_json shell_json;
shell_json *shell_json_parse(shell *s, const char *text);
void shell_json_free(shell_json *j);
/** The string at path (malloc'd), or NULL when absent or not a string. */
char *shell_json_str(shell_json *j, const char *path);
/** The number at path, or fallback. */
double shell_json_num(shell_json *j, const char *path, double fallback);
/** 1/0 for a boolean at path, -1 when absent. */
int shell_json_bool(shell_json *j, const char *path);
/** JSON.stringify of the value at path (malloc'd), or NULL when absent. */
char *shell_json_text(shell_json *j, const char *path);
/** Length of the array at path, or -1. */
int shell_json_len(shell_json *j, const char *path);

#endif

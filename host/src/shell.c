#include "shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"

struct shell {
  JSRuntime *rt;
  JSContext *ctx;
  JSValue api; /* the quipShell object */
};

struct shell_json {
  shell *s;
  JSValue root;
};

static void log_exception(JSContext *ctx, const char *where) {
  JSValue e = JS_GetException(ctx);
  const char *msg = JS_ToCString(ctx, e);
  fprintf(stderr, "quip-host: shell %s: %s\n", where, msg != NULL ? msg : "exception");
  JS_FreeCString(ctx, msg);
  JS_FreeValue(ctx, e);
}

shell *shell_open(const char *js, size_t len, char *err, size_t errcap) {
  shell *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->rt = JS_NewRuntime();
  s->ctx = s->rt != NULL ? JS_NewContext(s->rt) : NULL;
  if (s->ctx == NULL) {
    snprintf(err, errcap, "cannot create the shell's JavaScript runtime");
    shell_close(s);
    return NULL;
  }
  JS_SetMaxStackSize(s->rt, 512 * 1024);
  JSValue r = JS_Eval(s->ctx, js, len, "shell.js", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(r)) {
    JSValue e = JS_GetException(s->ctx);
    const char *msg = JS_ToCString(s->ctx, e);
    snprintf(err, errcap, "host shell failed to load: %s", msg != NULL ? msg : "?");
    JS_FreeCString(s->ctx, msg);
    JS_FreeValue(s->ctx, e);
    shell_close(s);
    return NULL;
  }
  JS_FreeValue(s->ctx, r);
  JSValue global = JS_GetGlobalObject(s->ctx);
  s->api = JS_GetPropertyStr(s->ctx, global, "quipShell");
  JS_FreeValue(s->ctx, global);
  if (!JS_IsObject(s->api)) {
    snprintf(err, errcap, "host shell does not define quipShell");
    shell_close(s);
    return NULL;
  }
  return s;
}

void shell_close(shell *s) {
  if (s == NULL) return;
  if (s->ctx != NULL) {
    JS_FreeValue(s->ctx, s->api);
    JS_FreeContext(s->ctx);
  }
  if (s->rt != NULL) JS_FreeRuntime(s->rt);
  free(s);
}

static char *to_malloc_string(JSContext *ctx, JSValueConst v) {
  size_t n;
  const char *c = JS_ToCStringLen(ctx, &n, v);
  if (c == NULL) return NULL;
  char *out = malloc(n + 1);
  if (out != NULL) {
    memcpy(out, c, n);
    out[n] = '\0';
  }
  JS_FreeCString(ctx, c);
  return out;
}

char *shell_call(shell *s, const char *fn, int argc, const shell_arg *args) {
  JSContext *ctx = s->ctx;
  JSValue argv[8];
  if (argc > 8) return NULL;
  for (int i = 0; i < argc; i++) {
    switch (args[i].kind) {
      case SA_STR: argv[i] = JS_NewStringLen(ctx, args[i].str, args[i].len); break;
      case SA_NUM: argv[i] = JS_NewFloat64(ctx, args[i].num); break;
      case SA_BOOL: argv[i] = JS_NewBool(ctx, args[i].num != 0); break;
      default: argv[i] = JS_UNDEFINED; break;
    }
  }
  JSValue f = JS_GetPropertyStr(ctx, s->api, fn);
  JSValue r = JS_Call(ctx, f, s->api, argc, argv);
  JS_FreeValue(ctx, f);
  for (int i = 0; i < argc; i++) JS_FreeValue(ctx, argv[i]);
  if (JS_IsException(r)) {
    log_exception(ctx, fn);
    return NULL;
  }
  char *out = to_malloc_string(ctx, r);
  JS_FreeValue(ctx, r);
  return out;
}

char *shell_call_str(shell *s, const char *fn, int argc, const char *const *args) {
  shell_arg a[8];
  if (argc > 8) return NULL;
  for (int i = 0; i < argc; i++) {
    a[i].kind = SA_STR;
    a[i].str = args[i];
    a[i].len = strlen(args[i]);
  }
  return shell_call(s, fn, argc, a);
}

shell_json *shell_json_parse(shell *s, const char *text) {
  JSValue v = JS_ParseJSON(s->ctx, text, strlen(text), "<json>");
  if (JS_IsException(v)) {
    log_exception(s->ctx, "JSON");
    return NULL;
  }
  shell_json *j = malloc(sizeof *j);
  if (j == NULL) {
    JS_FreeValue(s->ctx, v);
    return NULL;
  }
  j->s = s;
  j->root = v;
  return j;
}

void shell_json_free(shell_json *j) {
  if (j == NULL) return;
  JS_FreeValue(j->s->ctx, j->root);
  free(j);
}

/* The value at a dotted path (a new reference; JS_UNDEFINED when absent). */
static JSValue at(shell_json *j, const char *path) {
  JSContext *ctx = j->s->ctx;
  JSValue v = JS_DupValue(ctx, j->root);
  char part[128];
  while (*path != '\0') {
    size_t n = strcspn(path, ".");
    if (n >= sizeof part) n = sizeof part - 1;
    memcpy(part, path, n);
    part[n] = '\0';
    path += n;
    if (*path == '.') path++;
    if (!JS_IsObject(v)) {
      JS_FreeValue(ctx, v);
      return JS_UNDEFINED;
    }
    JSValue next = JS_GetPropertyStr(ctx, v, part);
    JS_FreeValue(ctx, v);
    v = next;
  }
  return v;
}

char *shell_json_str(shell_json *j, const char *path) {
  JSValue v = at(j, path);
  char *out = JS_IsString(v) ? to_malloc_string(j->s->ctx, v) : NULL;
  JS_FreeValue(j->s->ctx, v);
  return out;
}

double shell_json_num(shell_json *j, const char *path, double fallback) {
  JSValue v = at(j, path);
  double d = fallback;
  if (JS_IsNumber(v)) JS_ToFloat64(j->s->ctx, &d, v);
  JS_FreeValue(j->s->ctx, v);
  return d;
}

int shell_json_bool(shell_json *j, const char *path) {
  JSValue v = at(j, path);
  int b = JS_IsBool(v) ? JS_ToBool(j->s->ctx, v) : -1;
  JS_FreeValue(j->s->ctx, v);
  return b;
}

char *shell_json_text(shell_json *j, const char *path) {
  JSContext *ctx = j->s->ctx;
  JSValue v = at(j, path);
  if (JS_IsUndefined(v)) return NULL;
  JSValue t = JS_JSONStringify(ctx, v, JS_UNDEFINED, JS_UNDEFINED);
  JS_FreeValue(ctx, v);
  char *out = JS_IsString(t) ? to_malloc_string(ctx, t) : NULL;
  JS_FreeValue(ctx, t);
  return out;
}

int shell_json_len(shell_json *j, const char *path) {
  JSContext *ctx = j->s->ctx;
  JSValue v = at(j, path);
  int n = -1;
  if (JS_IsArray(ctx, v)) {
    JSValue l = JS_GetPropertyStr(ctx, v, "length");
    int32_t len;
    if (JS_ToInt32(ctx, &len, l) == 0) n = len;
    JS_FreeValue(ctx, l);
  }
  JS_FreeValue(ctx, v);
  return n;
}

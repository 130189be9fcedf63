/* quip-host's one-shot tools: --compile (bytecode for `quip build --native`) and --run (a
 * script with print/now/cpuMs, for measuring the engine itself in `npm run bench`). */
#include "tools.h"

#include <stdio.h>
#include <stdlib.h>

#include "file_read.h"
#include "fw_vm.h"
#include "plat.h"
#include "quickjs.h"

int tool_compile(const char *in, const char *out) {
  char err[1024] = "";
  size_t len, out_len;
  uint8_t *src = read_file(in, 64u << 20, &len, err, sizeof err);
  if (src == NULL) {
    fprintf(stderr, "error: cannot read %s: %s\n", in, err);
    return 1;
  }
  uint8_t *bc = fw_compile((const char *)src, len, &out_len, err, sizeof err);
  free(src);
  if (bc == NULL) {
    fprintf(stderr, "error: %s %s\n", in, err);
    return 1;
  }
  FILE *f = fopen(out, "wb");
  int ok = f != NULL && fwrite(bc, 1, out_len, f) == out_len;
  if (f != NULL) ok = fclose(f) == 0 && ok;
  free(bc);
  if (!ok) {
    fprintf(stderr, "error: cannot write %s\n", out);
    return 1;
  }
  return 0;
}

static JSValue js_print(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  for (int i = 0; i < argc; i++) {
    const char *s = JS_ToCString(ctx, argv[i]);
    if (s != NULL) fputs(s, stdout);
    JS_FreeCString(ctx, s);
  }
  fputc('\n', stdout);
  fflush(stdout);
  return JS_UNDEFINED;
}

static JSValue js_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, plat_monotonic_ms());
}

static JSValue js_cpu(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  (void)argc;
  (void)argv;
  return JS_NewFloat64(ctx, plat_cpu_ms());
}

int tool_run(const char *path) {
  char err[512] = "";
  size_t len;
  uint8_t *src = read_file(path, 64u << 20, &len, err, sizeof err);
  if (src == NULL) {
    fprintf(stderr, "error: cannot read %s: %s\n", path, err);
    return 1;
  }
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = JS_NewContext(rt);
  JSValue g = JS_GetGlobalObject(ctx);
  JS_SetPropertyStr(ctx, g, "print", JS_NewCFunction(ctx, js_print, "print", 1));
  JS_SetPropertyStr(ctx, g, "now", JS_NewCFunction(ctx, js_now, "now", 0));
  JS_SetPropertyStr(ctx, g, "cpuMs", JS_NewCFunction(ctx, js_cpu, "cpuMs", 0));
  JS_FreeValue(ctx, g);
  JSValue r = JS_Eval(ctx, (const char *)src, len, path, JS_EVAL_TYPE_GLOBAL);
  free(src);
  int code = 0;
  if (JS_IsException(r)) {
    JSValue e = JS_GetException(ctx);
    const char *m = JS_ToCString(ctx, e);
    fprintf(stderr, "error: %s: %s\n", path, m != NULL ? m : "exception");
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, e);
    code = 1;
  }
  JS_FreeValue(ctx, r);
  for (;;) {
    JSContext *c;
    if (JS_ExecutePendingJob(rt, &c) <= 0) break;
  }
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return code;
}

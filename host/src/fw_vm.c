#include "fw_vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"

struct fw_vm {
  JSRuntime *rt;
  JSContext *ctx;
  JSValue event_fn;
  const fw_vm_options *opts;
  double deadline;
  size_t heap_limit;
  double watchdog_ms;
  int refused; /* the heap limit refused an allocation during the current call */
};

/* The firmware heap's allocator: QuickJS's accounting and limit (as its default one), plus a
 * note when the limit refuses an allocation, so that an out-of-memory is reported as one even
 * when the engine then cannot allocate its "out of memory" error (it throws null instead). */
#define HEAP_HDR 16 /* keeps the blocks malloc-aligned; holds the block's size */

static void *heap_malloc(JSMallocState *s, size_t size) {
  unsigned char *p = s->malloc_size + size > s->malloc_limit ? NULL : malloc(size + HEAP_HDR);
  if (p == NULL) {
    ((fw_vm *)s->opaque)->refused = 1;
    return NULL;
  }
  memcpy(p, &size, sizeof size);
  s->malloc_count++;
  s->malloc_size += size + HEAP_HDR;
  return p + HEAP_HDR;
}

static size_t heap_usable_size(const void *ptr) {
  size_t size = 0;
  if (ptr != NULL) memcpy(&size, (const unsigned char *)ptr - HEAP_HDR, sizeof size);
  return size;
}

static void heap_free(JSMallocState *s, void *ptr) {
  if (ptr == NULL) return;
  s->malloc_count--;
  s->malloc_size -= heap_usable_size(ptr) + HEAP_HDR;
  free((unsigned char *)ptr - HEAP_HDR);
}

static void *heap_realloc(JSMallocState *s, void *ptr, size_t size) {
  if (ptr == NULL) return size == 0 ? NULL : heap_malloc(s, size);
  if (size == 0) {
    heap_free(s, ptr);
    return NULL;
  }
  size_t old = heap_usable_size(ptr);
  unsigned char *p = s->malloc_size - old + size > s->malloc_limit ? NULL : realloc((unsigned char *)ptr - HEAP_HDR, size + HEAP_HDR);
  if (p == NULL) {
    ((fw_vm *)s->opaque)->refused = 1;
    return NULL;
  }
  memcpy(p, &size, sizeof size);
  s->malloc_size = s->malloc_size - old + size;
  return p + HEAP_HDR;
}

static const JSMallocFunctions heap_functions = {heap_malloc, heap_free, heap_realloc, heap_usable_size};

/* The watchdog counts the CPU time the firmware thread spends in one call, not wall time: on a
 * board the firmware has the CPU to itself, so the two agree there; on a shared or loaded host
 * (the tests, qemu) a call that is merely descheduled must not look like a hang. */
static int interrupt(JSRuntime *rt, void *opaque) {
  (void)rt;
  fw_vm *vm = opaque;
  return plat_thread_cpu_ms() > vm->deadline;
}

/* Fills *f from the pending exception (or the watchdog / memory state that caused it). */
static void take_fault(fw_vm *vm, const char *during, int timed_out, fw_fault *f) {
  JSContext *ctx = vm->ctx;
  JSValue e = JS_GetException(ctx);
  char text[900] = "unknown error";
  if (JS_IsError(ctx, e)) {
    JSValue name = JS_GetPropertyStr(ctx, e, "name"), message = JS_GetPropertyStr(ctx, e, "message");
    const char *n = JS_ToCString(ctx, name), *m = JS_ToCString(ctx, message);
    snprintf(text, sizeof text, "%s: %s", n != NULL && JS_IsString(name) ? n : "Error", m != NULL && !JS_IsUndefined(message) ? m : "");
    JS_FreeCString(ctx, n);
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, name);
    JS_FreeValue(ctx, message);
  } else {
    const char *s = JS_ToCString(ctx, e);
    if (s != NULL) snprintf(text, sizeof text, "%s", s);
    JS_FreeCString(ctx, s);
  }
  JS_FreeValue(ctx, e);
  snprintf(f->during, sizeof f->during, "%s", during);
  if (vm->refused || strstr(text, "out of memory") != NULL) {
    snprintf(f->kind, sizeof f->kind, "out-of-memory");
    snprintf(f->message, sizeof f->message, "firmware exceeded its %lu byte heap handling '%s'", (unsigned long)vm->heap_limit, during);
  } else if (timed_out || strstr(text, "interrupted") != NULL) {
    snprintf(f->kind, sizeof f->kind, "watchdog");
    snprintf(f->message, sizeof f->message, "firmware ran longer than %.0f ms handling '%s'", vm->watchdog_ms, during);
  } else {
    snprintf(f->kind, sizeof f->kind, "exception");
    snprintf(f->message, sizeof f->message, "%s", text);
  }
}

/* Runs promise jobs until none is left; -1 when one threw. */
static int drain_jobs(fw_vm *vm) {
  for (;;) {
    JSContext *job_ctx;
    int r = JS_ExecutePendingJob(vm->rt, &job_ctx);
    if (r == 0) return 0;
    if (r < 0) return -1;
  }
}

/* A call into the VM under the watchdog: the value is freed; -1 with *f on a fault. */
static int guarded(fw_vm *vm, JSValue r, const char *during, fw_fault *f) {
  if (JS_IsException(r) || drain_jobs(vm) < 0) {
    take_fault(vm, during, plat_thread_cpu_ms() > vm->deadline, f);
    vm->deadline = 1e300;
    return -1;
  }
  JS_FreeValue(vm->ctx, r);
  vm->deadline = 1e300;
  return 0;
}

static void arm(fw_vm *vm) {
  JS_UpdateStackTop(vm->rt); /* the stack limit counts from here, not from where the VM was made */
  vm->refused = 0;
  vm->deadline = plat_thread_cpu_ms() + vm->watchdog_ms;
}

fw_vm *fw_vm_boot(const fw_vm_options *o, fw_fault *f) {
  memset(f, 0, sizeof *f);
  fw_vm *vm = calloc(1, sizeof *vm);
  if (vm == NULL) {
    snprintf(f->kind, sizeof f->kind, "out-of-memory");
    snprintf(f->message, sizeof f->message, "host out of memory");
    return NULL;
  }
  vm->opts = o;
  vm->heap_limit = o->heap_limit;
  vm->watchdog_ms = o->watchdog_ms;
  vm->deadline = 1e300;
  vm->event_fn = JS_UNDEFINED;
  vm->rt = JS_NewRuntime2(&heap_functions, vm);
  if (vm->rt != NULL) {
    JS_SetMemoryLimit(vm->rt, o->heap_limit);
    JS_SetMaxStackSize(vm->rt, o->stack_limit);
    JS_SetInterruptHandler(vm->rt, interrupt, vm);
    vm->ctx = JS_NewContext(vm->rt);
  }
  if (vm->ctx == NULL) {
    snprintf(f->kind, sizeof f->kind, "out-of-memory");
    snprintf(f->during, sizeof f->during, "load");
    snprintf(f->message, sizeof f->message, "firmware exceeded its %lu byte heap handling 'load'", (unsigned long)o->heap_limit);
    fw_vm_free(vm);
    return NULL;
  }
  JS_SetContextOpaque(vm->ctx, o->opaque);
  JSValue global = JS_GetGlobalObject(vm->ctx);
  JS_SetPropertyStr(vm->ctx, global, "__hal", JS_NewCFunction(vm->ctx, o->hal, "__hal", 5));

  arm(vm);
  JSValue r;
  if (o->bytecode) {
    JSValue fn = JS_ReadObject(vm->ctx, o->code, o->len, JS_READ_OBJ_BYTECODE);
    r = JS_IsException(fn) ? fn : JS_EvalFunction(vm->ctx, fn);
  } else {
    /* JS_Eval wants a NUL after the source. */
    char *src = malloc(o->len + 1);
    if (src == NULL) {
      r = JS_ThrowOutOfMemory(vm->ctx);
    } else {
      memcpy(src, o->code, o->len);
      src[o->len] = '\0';
      r = JS_Eval(vm->ctx, src, o->len, "firmware.js", JS_EVAL_TYPE_GLOBAL);
      free(src);
    }
  }
  if (guarded(vm, r, "load", f) != 0) {
    JS_FreeValue(vm->ctx, global);
    fw_vm_free(vm);
    return NULL;
  }
  JSValue exports = JS_GetPropertyStr(vm->ctx, global, o->global_name);
  JS_FreeValue(vm->ctx, global);
  JSValue start = JS_GetPropertyStr(vm->ctx, exports, "start");
  vm->event_fn = JS_GetPropertyStr(vm->ctx, exports, "event");
  JS_FreeValue(vm->ctx, exports);
  if (!JS_IsFunction(vm->ctx, start) || !JS_IsFunction(vm->ctx, vm->event_fn)) {
    JS_FreeValue(vm->ctx, start);
    snprintf(f->kind, sizeof f->kind, "exception");
    snprintf(f->during, sizeof f->during, "load");
    snprintf(f->message, sizeof f->message, "bundle does not export start() and event() on %s", o->global_name);
    fw_vm_free(vm);
    return NULL;
  }
  arm(vm);
  r = JS_Call(vm->ctx, start, JS_UNDEFINED, 0, NULL);
  JS_FreeValue(vm->ctx, start);
  if (guarded(vm, r, "start", f) != 0) {
    fw_vm_free(vm);
    return NULL;
  }
  return vm;
}

static JSValue to_js(JSContext *ctx, const ev_arg *a) {
  switch (a->kind) {
    case ARG_NUM:
      if (a->num == (double)(int32_t)a->num) return JS_NewInt32(ctx, (int32_t)a->num);
      return JS_NewFloat64(ctx, a->num);
    case ARG_STR: return JS_NewStringLen(ctx, (const char *)a->ptr, a->len);
    case ARG_BIN: return JS_NewArrayBufferCopy(ctx, a->ptr, a->len);
    case ARG_BOOL: return JS_NewBool(ctx, a->num != 0);
    default: return JS_NULL;
  }
}

int fw_vm_dispatch(fw_vm *vm, const hal_event *e, fw_fault *f) {
  JSValue argv[1 + EV_MAX_ARGS];
  int argc = 1 + e->nargs;
  argv[0] = JS_NewString(vm->ctx, e->type);
  for (int i = 0; i < e->nargs; i++) argv[1 + i] = to_js(vm->ctx, &e->args[i]);
  arm(vm);
  JSValue r = JS_Call(vm->ctx, vm->event_fn, JS_UNDEFINED, argc, argv);
  for (int i = 0; i < argc; i++) JS_FreeValue(vm->ctx, argv[i]);
  return guarded(vm, r, e->type, f);
}

size_t fw_vm_memory_used(fw_vm *vm) {
  JSMemoryUsage u;
  if (vm == NULL) return 0;
  JS_ComputeMemoryUsage(vm->rt, &u);
  return (size_t)u.malloc_size;
}

void fw_vm_free(fw_vm *vm) {
  if (vm == NULL) return;
  if (vm->ctx != NULL) {
    JS_FreeValue(vm->ctx, vm->event_fn);
    JS_FreeContext(vm->ctx);
  }
  if (vm->rt != NULL) JS_FreeRuntime(vm->rt);
  free(vm);
}

uint8_t *fw_compile(const char *src, size_t len, size_t *out_len, char *err, size_t errcap) {
  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = rt != NULL ? JS_NewContext(rt) : NULL;
  uint8_t *out = NULL;
  if (ctx == NULL) {
    snprintf(err, errcap, "cannot create a JavaScript runtime");
  } else {
    char *text = malloc(len + 1);
    if (text != NULL) {
      memcpy(text, src, len);
      text[len] = '\0';
      JSValue fn = JS_Eval(ctx, text, len, "firmware.js", JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY);
      free(text);
      if (JS_IsException(fn)) {
        JSValue e = JS_GetException(ctx);
        const char *m = JS_ToCString(ctx, e);
        snprintf(err, errcap, "does not compile: %s", m != NULL ? m : "?");
        JS_FreeCString(ctx, m);
        JS_FreeValue(ctx, e);
      } else {
        uint8_t *bc = JS_WriteObject(ctx, out_len, fn, JS_WRITE_OBJ_BYTECODE);
        JS_FreeValue(ctx, fn);
        if (bc != NULL) {
          out = malloc(*out_len);
          if (out != NULL) memcpy(out, bc, *out_len);
          js_free(ctx, bc);
        }
        if (out == NULL) snprintf(err, errcap, "out of memory writing bytecode");
      }
    } else {
      snprintf(err, errcap, "out of memory");
    }
  }
  if (ctx != NULL) JS_FreeContext(ctx);
  if (rt != NULL) JS_FreeRuntime(rt);
  return out;
}

/* One boot of the firmware: a QuickJS runtime with the board's heap limit (JS_SetMemoryLimit,
 * which natively really fires), its stack limit, and an interrupt-handler watchdog. A fault (a
 * handler that runs past watchdogMs, memory exhausted, an exception escaping the firmware, a
 * bundle that will not load) ends the VM; the host then boots a fresh one. */
#ifndef QUIP_FW_VM_H
#define QUIP_FW_VM_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "quickjs.h"

typedef struct fw_vm fw_vm;

typedef struct {
  const uint8_t *code; /* JavaScript source (UTF-8) or QuickJS bytecode */
  size_t len;
  int bytecode;
  const char *global_name; /* where the bundle puts start() and event() */
  size_t heap_limit;
  size_t stack_limit;
  double watchdog_ms;
  JSCFunction *hal; /* the native __hal(op, a, b, c, d) */
  void *opaque;     /* JS_GetContextOpaque() inside hal */
} fw_vm_options;

typedef struct {
  char kind[16];   /* "watchdog", "out-of-memory", "exception" */
  char during[32]; /* "load", "start", or the event type */
  char message[1024];
} fw_fault;

/** Creates the VM, evaluates the bundle and calls its start(); NULL with *fault filled on failure. */
fw_vm *fw_vm_boot(const fw_vm_options *o, fw_fault *fault);
/** Delivers one event; -1 with *fault when the firmware faulted (the VM is then dead: free it). */
int fw_vm_dispatch(fw_vm *vm, const hal_event *e, fw_fault *fault);
/** Bytes the runtime has allocated now. */
size_t fw_vm_memory_used(fw_vm *vm);
void fw_vm_free(fw_vm *vm);

/** Compiles JavaScript to bytecode for this engine (quip build --native); malloc'd, NULL with err. */
uint8_t *fw_compile(const char *src, size_t len, size_t *out_len, char *err, size_t errcap);

#endif

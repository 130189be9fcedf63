/* A board's flash file as the emulator boots from it (hal/flash: layout.ts documents the
 * bytes): the A/B boot loader (bootloader.ts, boot-record.ts, slot-header.ts), the firmware's
 * boot confirmation, and the key-value storage partition (flash-storage.ts). Decisions, event
 * fields, error texts and the bytes left in the file are the TypeScript's (FlashBoard in
 * flash-board.ts). The file is read and written with stdio; plat_file_sync() makes each write
 * durable where device.ts syncs. Offsets are 32-bit (flash files are a few MiB). */
#ifndef QUIP_FLASH_H
#define QUIP_FLASH_H

#include <stddef.h>
#include <stdint.h>

/* layout.ts FlashLayout, filled by the caller from the board config's "flash" section:
 * E = eraseKB * 1024, S = slotKB * 1024, T = storageKB * 1024:
 * size = sizeKB * 1024, erase_size = E, boot_off = {0, E}, slot_off = {2E, 2E + S},
 * slot_size = S, storage_off = 2E + 2S, storage_size = T, max_trial_boots = K (default 3),
 * confirm_after_s = N (default 30; the firmware's business, carried for the caller). */
typedef struct {
  uint32_t size, erase_size;
  uint32_t boot_off[2];
  uint32_t slot_off[2], slot_size;
  uint32_t storage_off, storage_size;
  int max_trial_boots;
  int confirm_after_s;
} flash_layout;

typedef struct flash_board flash_board;

/* new FlashBoard(path, layout, board_id, pubkey): opens an existing flash file and reads its
 * storage partition. pubkey: the board's raw 32-byte Ed25519 key (verified boot), NULL = unsigned
 * images boot too. NULL with err: "no flash file ...; create one with: npx quip flash ...",
 * "flash file X is N bytes, this board's flash is M bytes (flash.sizeKB in the board config)",
 * "cannot open flash file X: <OS reason>", or a layout that does not fit the file. */
flash_board *flash_open(const char *path, const flash_layout *layout, const char *board_id, const uint8_t *pubkey,
                        char *err, size_t errcap);
void flash_close(flash_board *f);

typedef struct {
  /* The firmware to run (malloc'd, NUL-terminated). For JavaScript (payload_type "") this is the
   * text FlashBoard.boot() runs, `new TextDecoder().decode(payload)`: BOM dropped, invalid UTF-8
   * as U+FFFD. Any other payload type: the payload bytes as they are. */
  uint8_t *payload;
  size_t payload_len;
  char entry[256];        /* the manifest's entry: the global the exports land on */
  char version[196];      /* the manifest's version */
  char payload_type[32];  /* "" JavaScript, or "quickjs-bytecode" (see image_info.payload_type) */
  char engine[128];       /* for bytecode: the engine it was compiled for (image_info.engine) */
  int slot;               /* 0 = A, 1 = B */
  /* {"slot":"A","slot_state":"good"} or {"slot":"B","slot_state":"trial","boot_attempt":1,"max_trial_boots":3}:
   * the facts FlashBoard.boot() adds to the firmware's boot event, in the same order. */
  char facts_json[512];
  /* A JSON array of the events to report before booting, in order: the rollback event
   * {"event":"rollback","from","to","from_version" (string or null),"to_version","reason","detail"}
   * and/or {"event":"error","where":"bootloader","message":"boot record unreadable; ..."}. */
  char notices_json[2048];
} flash_boot_result;

/* One boot-loader pass (selectBoot + FlashBoard.boot()): picks the slot, writes the boot record
 * before a trial image runs (so crash loops count), verifies images (and signatures with a key).
 * 0 ok; -1 when nothing can boot, err = the TS message ("no bootable firmware: slot A ...; slot B
 * ..."; the emulator reports it as {"event":"error","where":"bootloader","message":err}), or an
 * I/O error. */
int flash_boot(flash_board *f, flash_boot_result *out, char *err, size_t errcap);
void flash_boot_result_free(flash_boot_result *r);

/* system.bootOk (FlashBoard.confirm()): a trial boot becomes good. Writes
 * {"event":"boot_confirmed","slot":"A","version":"..."} into ev and returns 1, or returns 0 when
 * there is nothing to report (not booted, already good, record changed meanwhile). */
int flash_confirm(flash_board *f, char *ev, size_t evcap);

/* The storage partition (FlashStorage): keys and values are UTF-8 (what JS_ToCStringLen gives;
 * text that is not well-formed UTF-8, e.g. a lone surrogate, is refused as the TS refuses lone
 * surrogates). Keys are 1..65535 bytes, without NUL bytes here; one snapshot must fit half the
 * partition. A set that changes nothing does not write. */
int flash_storage_get(flash_board *f, const char *key, char **value /* malloc'd, NUL-terminated */, size_t *len);
/* 1 stored, 0 refused (bad key or value, does not fit, or the write failed: nothing changed). */
int flash_storage_set(flash_board *f, const char *key, const char *value, size_t len);
void flash_storage_remove(flash_board *f, const char *key);
/* Calls cb for each key in the order of JS [...keys].sort() (UTF-16 code units); returns the count. */
int flash_storage_keys(flash_board *f, void (*cb)(const char *key, void *ctx), void *ctx);

#endif

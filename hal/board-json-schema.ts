// board-configs/schema.json as data: the JSON Schema editors use for board configs, built from
// the validator's own field lists and limits (board-schema.ts, firmware/config) so it cannot
// drift. scripts/gen-schema.ts writes the file; test/config/schema-json.test.ts checks it is
// up to date. The schema is the weaker statement: cross-field rules (keymap targets, softkeys,
// flash fit, id = file name) are only in the validator.
import { KEYS } from './contract.ts';
import { DEFAULT_CONFIRM_AFTER_S, DEFAULT_ERASE_KB, DEFAULT_MAX_TRIAL_BOOTS, ERASE_KB_CHOICES } from './flash/layout.ts';
import {
  accountJsonSchema, codecsJsonSchema, dialPlanJsonSchema, intSchema, objectSchema, setSchema, textSchema, tonePlanJsonSchema,
} from '../firmware/config/json-schema.ts';
import type { JsonSchema } from '../firmware/config/json-schema.ts';
import {
  BOARD_FIELDS, BOARD_LIMITS, BOARD_TEXT, DEFAULT_SIP_PORT, DIAL_PAD, DISPLAY_ICONS, ID_PATTERN, LEDS, PROVISIONING_PROTOCOLS, SEMVER, TRANSPORTS,
} from './board-schema.ts';

const REQUIRED = ['id', 'name', 'display', 'leds', 'keys', 'keymap', 'codecs', 'memory', 'watchdogMs', 'maxAccounts', 'sip', 'dialPlan', 'accounts'];
/** The firmware's default (firmware/ua/registration.ts), which hal/ does not import. */
const DEFAULT_SERVER_CHECK_S = 30;

function board(): Record<string, JsonSchema> {
  const L = BOARD_LIMITS;
  const key = { $ref: '#/$defs/key' };
  return {
    $schema: { type: 'string' },
    id: { description: 'Equals the file name without .json.', type: 'string', pattern: ID_PATTERN.source },
    name: textSchema(BOARD_TEXT.name, 'Product name.'),
    display: objectSchema(BOARD_FIELDS.display, {
      rows: intSchema(L.display.rows, { description: 'Character rows of the LCD.' }),
      cols: intSchema(L.display.cols, { description: 'Characters per row.' }),
      softkeys: intSchema(L.display.softkeys, { description: 'Softkeys under the display (keys soft1..softN).' }),
      icons: setSchema(DISPLAY_ICONS),
    }, BOARD_FIELDS.display),
    leds: setSchema(LEDS),
    keys: { description: 'Keys the board has; the dial pad 0-9 * # is required.', type: 'array', uniqueItems: true, minItems: DIAL_PAD.length, items: key },
    keymap: {
      description: 'Emulator keyboard key name (KeyboardEvent.key) to phone key; each value must be in keys.',
      type: 'object',
      propertyNames: { minLength: 1, maxLength: 32 },
      additionalProperties: key,
    },
    codecs: codecsJsonSchema(),
    memory: objectSchema(BOARD_FIELDS.memory, {
      heapLimitMB: intSchema(L.memory.heapLimitMB, { description: 'QuickJS heap limit in MiB.' }),
      stackKB: intSchema(L.memory.stackKB, { description: 'QuickJS stack limit in KiB.' }),
    }, BOARD_FIELDS.memory),
    watchdogMs: intSchema(L.watchdogMs, { description: 'Longest time one event may run before the watchdog reboots the phone.' }),
    maxAccounts: intSchema(L.maxAccounts),
    sip: objectSchema(BOARD_FIELDS.sip, {
      port: intSchema(L.sip.port, { description: 'Local SIP port; 0 = any free port.', default: DEFAULT_SIP_PORT }),
      transport: { enum: [...TRANSPORTS], default: TRANSPORTS[0] },
      acceptDirectCalls: {
        description: 'Ring for calls that do not come through the registrar/outbound proxy of an account (default false; a phone with no account always rings for direct calls).',
        type: 'boolean',
        default: false,
      },
      serverCheckS: intSchema(L.sip.serverCheckS, {
        description: 'Seconds between OPTIONS checks that the registrar is still there while registered; no answer means the registrar is lost (LCD), and the phone registers again. 0 = off.',
        default: DEFAULT_SERVER_CHECK_S,
      }),
    }),
    dialPlan: dialPlanJsonSchema(),
    accounts: {
      description: 'At most maxAccounts; may be empty (the emulator\'s --account or provisioning adds them).',
      type: 'array',
      items: { $ref: '#/$defs/account' },
    },
    provisioningUrl: {
      type: 'string',
      pattern: `^(${PROVISIONING_PROTOCOLS.map((p) => p.slice(0, -1)).join('|')})://`,
      maxLength: BOARD_TEXT.provisioningUrl,
    },
    firmware: objectSchema(BOARD_FIELDS.firmware, {
      version: { type: 'string', pattern: SEMVER.source },
    }, BOARD_FIELDS.firmware, 'Pins the firmware version for this board; absent = package.json\'s version.'),
    tonePlan: tonePlanJsonSchema(),
    rtpPorts: objectSchema(BOARD_FIELDS.rtpPorts, {
      min: intSchema(L.rtpPorts.min, { multipleOf: 2 }),
      max: intSchema(L.rtpPorts.max),
    }, BOARD_FIELDS.rtpPorts, 'Local RTP port range (RTP even, RTCP the next odd port).'),
    update: objectSchema(BOARD_FIELDS.update, {
      publicKey: {
        description: 'Base64 of the raw 32-byte Ed25519 public key (quip keygen prints it); when set, only images signed with its private key are accepted.',
        type: 'string',
        pattern: '^[A-Za-z0-9+/]{43}=$',
      },
      httpPort: intSchema(L.update.httpPort, { description: 'Port of the HTTP update endpoint (POST /firmware); 0 = any free port; absent = off.' }),
      tftpPort: intSchema(L.update.tftpPort, { description: 'Port of the TFTP update endpoint (write request, octet mode); 0 = any free port; absent = off.' }),
    }, [], 'Network firmware update (quip flash --to http://… or udp://…).'),
    flash: objectSchema(BOARD_FIELDS.flash, {
      sizeKB: intSchema(L.flash.sizeKB, { description: 'Flash size in KiB (the emulator\'s flash file is exactly this big).' }),
      slotKB: intSchema(L.flash.slotKB, { description: 'Each firmware slot: a 256-byte slot header plus the image.' }),
      storageKB: intSchema(L.flash.storageKB, { description: 'Settings storage: two alternating copies, an even number of erase blocks.' }),
      eraseKB: { description: 'Erase block size; every partition starts on one.', enum: [...ERASE_KB_CHOICES], default: DEFAULT_ERASE_KB },
      maxTrialBoots: intSchema(L.flash.maxTrialBoots, {
        description: 'K: boots a newly flashed (trial) slot gets without confirming before the boot loader rolls back.',
        default: DEFAULT_MAX_TRIAL_BOOTS,
      }),
      confirmAfterS: intSchema(L.flash.confirmAfterS, {
        description: 'N: seconds of running without a crash after which the firmware confirms its boot (it confirms at once when it registers).',
        default: DEFAULT_CONFIRM_AFTER_S,
      }),
    }, ['sizeKB', 'slotKB', 'storageKB'], 'The board\'s flash (hal/flash/layout.ts): two boot record copies (one erase block each), firmware slots A and B, a storage partition. The validator also checks that everything fits and is erase-block aligned.'),
  };
}

/** The whole of board-configs/schema.json. */
export function boardJsonSchema(): JsonSchema {
  const top = objectSchema(BOARD_FIELDS.top, board(), REQUIRED);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://quip.invalid/board-configs/schema.json',
    title: 'quip board config',
    description: 'One phone model. For editors, generated from hal/board-schema.ts and firmware/config by scripts/gen-schema.ts; the validator the tools use also checks that keymap values are keys the board has, that keys has soft1..softN for display.softkeys, that the flash layout fits, and that id equals the file name.',
    ...top,
    $defs: { key: { enum: [...KEYS] }, account: accountJsonSchema() },
  };
}

/** The file's text: two-space JSON and a final newline. */
export function boardJsonSchemaText(): string {
  return JSON.stringify(boardJsonSchema(), null, 2) + '\n';
}

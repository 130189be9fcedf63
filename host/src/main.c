/* quip-host: the native board host. Runs the quip firmware bundle in the QuickJS C engine on
 * the HAL of this machine (sockets, timers, files, WAV audio, the JSON-lines control channel),
 * with the board config's heap limit and watchdog, and boots what `quip flash` writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_loop.h"
#include "options.h"
#include "plat.h"
#include "setup.h"

int main(int argc, char **argv) {
  static host h;
  int code = options_parse(argc, argv, &h.o);
  if (code >= 0) return code;
  code = host_setup(&h);
  if (code == 0 && plat_net_init() != 0) {
    fprintf(stderr, "error: cannot start networking\n");
    code = 1;
  }
  if (code == 0) {
    plat_catch_quit_signals();
    host_input in;
    memset(&in, 0, sizeof in);
    if (h.o.control_stdio) {
      in.sock = plat_stdin_open();
      in.open = in.sock != PLAT_NO_SOCK;
    }
    shell_arg dims[2] = {{SA_NUM, NULL, 0, h.lcd_rows}, {SA_NUM, NULL, 0, h.lcd_cols}};
    free(shell_call(h.sh, "lcdOpen", 2, dims));
    host_boot(&h);
    code = host_run(&h, h.o.control_stdio ? &in : NULL);
  }
  host_setup_free(&h);
  return code;
}

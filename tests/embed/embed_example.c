/* embed_example.c — what an embedder writes: their own libuv loop, one
 * context, one navigation, the chain as JSON. Built by
 * tests/integration/test_install.py against an installed libdetour through
 * pkg-config, to prove the install works; also the example in
 * docs/embedding.md.
 *
 *   embed_example URL CA_FILE CONNECT_TO */
#include <detour.h>

#include <stdio.h>
#include <uv.h>

static void on_chain(dt_chain *chain, void *user_data) {
  int *status = user_data;
  char *json = dt_chain_to_json(chain);
  if (json) puts(json);
  dt_free(json);
  *status = dt_chain_error(chain) ? 1 : 0;
  dt_chain_free(chain);
}

static void on_closed(void *user_data) { (void)user_data; }

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s URL CA_FILE CONNECT_TO\n", argv[0]);
    return 2;
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  dt_ctx_options opt;
  dt_ctx_options_init(&opt);
  opt.loop = &loop;
  opt.ca_file = argv[2];
  dt_ctx *ctx;
  if (dt_ctx_new(&ctx, &opt) != 0 || dt_ctx_add_connect_to(ctx, argv[3]) != 0)
    return 2;
  int status = -1;
  dt_request req;
  dt_request_init(&req);
  req.url = argv[1];
  if (dt_fetch(ctx, &req, on_chain, &status, NULL) != 0) return 2;
  /* Idle pooled connections do not keep the loop alive: uv_run returns once
   * the callback has run. */
  uv_run(&loop, UV_RUN_DEFAULT);
  if (status == -1) return 4;
  dt_ctx_close(ctx, on_closed, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? status : 3;
}

/** Shared by the server recipes: listen on 127.0.0.1 and close with a deadline. */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A running recipe server. */
export interface RecipeServer {
  /** `http://127.0.0.1:PORT/graphql` */
  url: string;
  close(): Promise<void>;
}

/** Listens on a free port of 127.0.0.1; `close()` ends open connections too. */
export async function listen(server: Server): Promise<RecipeServer> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

// Must come first: Monaco reads its worker locations when it loads.
import "./monaco-workers";
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { GraphiQL } from "graphiql";
import { createRoot } from "react-dom/client";
import { createIdeFetcher } from "./ide-fetcher";
import { DEFAULT_HEADERS, TOUR_DOCUMENT } from "./tour";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";

// The page lives on the GraphQL endpoint itself, so its own URL is the endpoint.
const endpoint = new URL(window.location.pathname, window.location.href);
const socketEndpoint = new URL(endpoint);
socketEndpoint.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

const fetcher = createIdeFetcher(endpoint.href, socketEndpoint.href);
const plugins = [explorerPlugin()];

createRoot(document.getElementById("graphiql")!).render(
  <GraphiQL
    fetcher={fetcher}
    plugins={plugins}
    defaultQuery={TOUR_DOCUMENT}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
    isHeadersEditorEnabled
    // Headers hold bearer tokens: keep them out of localStorage unless the user opts in.
    shouldPersistHeaders={false}
  >
    <GraphiQL.Logo>grantql</GraphiQL.Logo>
  </GraphiQL>,
);

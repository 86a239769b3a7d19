// Opens the GraphiQL playground of a running server in Debian's headless Chromium, runs a
// query through its UI and prints one JSON line: {"result": ..., "requests": [...]}, where
// `result` is the response pane's text (parsed as JSON when it is JSON) and `requests` lists
// the URL of every request the page made. Exits non-zero, with a message, on any failure.
//
// Usage: node tests/browser/playground.mjs http://127.0.0.1:PORT [QUERY]
// Env: CHROMIUM (default /usr/bin/chromium), PLAYGROUND_TIMEOUT_MS (default 30000).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const DEFAULT_QUERY = "{ interviews(year: 2019) { totalCount nodes { title } } }";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TOTAL_TIMEOUT_MS = Number(process.env.PLAYGROUND_TIMEOUT_MS || 30000);
const STEP_TIMEOUT_MS = Math.min(15000, TOTAL_TIMEOUT_MS);

const [baseUrl, query = DEFAULT_QUERY] = process.argv.slice(2);
if (!baseUrl || !/^https?:\/\//.test(baseUrl)) {
  console.error("usage: node playground.mjs http://HOST:PORT [QUERY]");
  process.exit(2);
}
const pageUrl = baseUrl.replace(/\/+$/, "") + "/graphql";

const requests = [];
const problems = []; // console errors, page errors and failed requests, for the failure message
let launching; // the browser's start, until it is done
let context;
let userDataDir;

async function cleanUp() {
  if (!context && launching) {
    // Timed out while Chromium was starting: let it finish starting, so that it can be closed.
    context = await Promise.race([launching.catch(() => undefined), sleep(5000)]);
  }
  launching = undefined;
  if (context) {
    const closing = context;
    context = undefined;
    await Promise.race([closing.close().catch(() => {}), sleep(5000)]);
  }
  if (userDataDir) {
    // A browser that was killed may still be writing its profile for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        rmSync(userDataDir, { recursive: true, force: true });
        break;
      } catch (error) {
        if (attempt === 10) {
          console.error(`could not remove ${userDataDir}: ${error.message}`);
          break;
        }
        await sleep(200);
      }
    }
    userDataDir = undefined;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

let failing = false;

async function fail(message) {
  if (failing) return; // the deadline and a step's own timeout may both report
  failing = true;
  console.error(`playground browser test failed: ${message}`);
  if (problems.length) console.error(`page problems:\n  ${problems.join("\n  ")}`);
  if (requests.length) console.error(`requests made:\n  ${requests.join("\n  ")}`);
  await cleanUp();
  process.exit(1);
}

// Everything, including Chromium's start, must finish within TOTAL_TIMEOUT_MS.
const deadline = setTimeout(() => {
  fail(`no result within ${TOTAL_TIMEOUT_MS} ms`);
}, TOTAL_TIMEOUT_MS);

async function run() {
  userDataDir = mkdtempSync(join(tmpdir(), "scs-playground-chromium-"));
  launching = chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: STEP_TIMEOUT_MS,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  context = await launching;
  launching = undefined;
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.on("request", (request) => requests.push(request.url()));
  context.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );

  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

  // A normal navigation: the browser itself asks for text/html.
  const response = await page.goto(pageUrl, { waitUntil: "load" });
  if (!response) throw new Error(`no response for ${pageUrl}`);
  if (response.status() !== 200) throw new Error(`${pageUrl} answered ${response.status()}`);
  const contentType = response.headers()["content-type"] || "";
  if (!contentType.startsWith("text/html")) {
    throw new Error(`${pageUrl} answered ${contentType || "no Content-Type"}, not text/html`);
  }

  // GraphiQL has rendered its editors (CodeMirror instances) and its run button.
  const editor = ".graphiql-query-editor .CodeMirror";
  await page.waitForSelector(editor, { state: "visible" });
  await page.waitForSelector(".graphiql-execute-button", { state: "visible" });

  // Replace the query (through CodeMirror, so that auto-closed brackets don't garble it).
  await page.evaluate(
    ({ selector, text }) => document.querySelector(selector).CodeMirror.setValue(text),
    { selector: editor, text: query },
  );
  const entered = await page.evaluate(
    (selector) => document.querySelector(selector).CodeMirror.getValue(),
    editor,
  );
  if (entered !== query) throw new Error(`the editor holds ${JSON.stringify(entered)}`);

  await page.click(".graphiql-execute-button");

  // Wait for the response pane to show a complete JSON document.
  const resultPane = ".graphiql-response .CodeMirror";
  const handle = await page.waitForFunction(
    (selector) => {
      const element = document.querySelector(selector);
      const text = element && element.CodeMirror ? element.CodeMirror.getValue() : "";
      if (!text.trim()) return false;
      try {
        JSON.parse(text);
        return text;
      } catch {
        return false;
      }
    },
    resultPane,
    { polling: 100 },
  );
  const text = await handle.jsonValue();
  let result;
  try {
    result = JSON.parse(text);
  } catch {
    result = text;
  }
  return result;
}

try {
  const result = await run();
  clearTimeout(deadline);
  await cleanUp();
  process.stdout.write(JSON.stringify({ result, requests }) + "\n");
  process.exit(0);
} catch (error) {
  clearTimeout(deadline);
  await fail(error && error.message ? error.message : String(error));
}

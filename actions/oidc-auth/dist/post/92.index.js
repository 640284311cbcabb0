export const id = 92;
export const ids = [92];
export const modules = {

/***/ 9092:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  STATE_PROFILE_DIR: () => (/* binding */ STATE_PROFILE_DIR),
  STATE_REFRESHER_PID: () => (/* binding */ STATE_REFRESHER_PID),
  runPost: () => (/* binding */ runPost)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 14 modules
var core = __webpack_require__(6421);
;// CONCATENATED MODULE: ./lib/escape.ts
/**
 * The one rule for text that came from outside (inputs, file names, a tool's
 * output, a server's answer) on its way to the step log: it can never start a
 * workflow command. The runner splits the log into lines on CR, LF and CRLF,
 * and takes a line as a command when, after leading whitespace, it starts with
 * `::` (or, in the legacy syntax, holds `##[` anywhere). So every line is
 * checked after every kind of line break, and a command-looking line is
 * defused visibly (`::x::` becomes `: :x::`, `##[` becomes `# #[`) rather
 * than dropped, so the log still shows what the tool said.
 *
 * `::stop-commands::<token>` around a tool's output would also work, but
 * while it is in force the runner ignores our own `::add-mask::` lines too,
 * and a secret masked then would print in clear: filtering has no such gap.
 */
const LINE_BREAK = /(\r\n|\r|\n)/;
/** One line (no CR or LF in it) made unable to act as a workflow command. */
function defuseLine(line) {
    let out = line.replace(/##\[/g, '# #[');
    const start = out.length - out.trimStart().length;
    if (out.startsWith('::', start))
        out = `${out.slice(0, start)}: :${out.slice(start + 2)}`;
    return out;
}
/** Text of any number of lines, each defused, the line breaks kept as they were. */
function defuse(text) {
    return text
        .split(LINE_BREAK)
        .map((part, index) => (index % 2 === 1 ? part : defuseLine(part)))
        .join('');
}
/**
 * One value for use inside a message: control characters (CR and LF above
 * all) shown as escapes, so the value stays on the message's line and cannot
 * end it, and the legacy `##[` defused. Quoted, so a reader sees where the
 * value starts and ends.
 */
function quote(value) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is escaped
    const escaped = value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029\\']/g, (char) => {
        if (char === '\\')
            return '\\\\';
        if (char === "'")
            return "\\'";
        if (char === '\n')
            return '\\n';
        if (char === '\r')
            return '\\r';
        if (char === '\t')
            return '\\t';
        return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    });
    return `'${escaped.replace(/##\[/g, '# #[')}'`;
}
/** True when the text holds a character that would break a line of the log. */
function hasControlCharacters(value) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is looked for
    return /[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(value);
}
/**
 * A tool's output on its way to the log, as it arrives: whole lines are
 * defused and passed on; a partial line waits for its end (a command can
 * only be recognised at a line's start, and `##[` may be split across
 * chunks). `flush` ends a partial line with a newline, so whatever is written
 * next (a group command of our own) starts a line of its own.
 */
class LineFilter {
    sink;
    pending = '';
    constructor(sink) {
        this.sink = sink;
    }
    push(text) {
        if (text === '')
            return;
        const parts = (this.pending + text).split(LINE_BREAK);
        this.pending = parts.pop() ?? '';
        // A CR at the very end may be the first half of a CRLF: keep it with the next chunk.
        let out = '';
        for (let i = 0; i < parts.length; i += 2)
            out += defuseLine(parts[i]) + parts[i + 1];
        if (out.endsWith('\r') && this.pending === '') {
            out = out.slice(0, -1);
            this.pending = '\r';
        }
        if (out !== '')
            this.sink(out);
    }
    flush() {
        if (this.pending === '')
            return;
        const line = this.pending === '\r' ? '\n' : `${defuseLine(this.pending.replace(/\r$/, ''))}\n`;
        this.pending = '';
        this.sink(line);
    }
}

;// CONCATENATED MODULE: ./lib/core.ts



/** A plain log line; no line of it may act as a workflow command. */
function info(message) {
    core/* info */.pq(defuse(message));
}

;// CONCATENATED MODULE: ./lib/cancel.ts

const running = new Set();
const cleanups = new Set();
/** Called by lib/exec for every tool it starts; the returned function when the tool has exited. */
function track(child, group, name) {
    const entry = { child, group, name };
    running.add(entry);
    return () => running.delete(entry);
}
/** Runs at the first signal, before anything else (remove a file that holds a secret). Returns the way to take it back. */
function onCancel(cleanup) {
    cleanups.add(cleanup);
    return () => cleanups.delete(cleanup);
}
/** Listens for SIGINT and SIGTERM until the returned function is called. */
function listenForCancellation(options = {}) {
    const exit = options.exit ?? ((code) => process.exit(code));
    const setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms).unref());
    let cancelled = false;
    const handler = (signal) => {
        // A second signal changes nothing: the first already stops everything.
        if (cancelled)
            return;
        cancelled = true;
        for (const cleanup of [...cleanups]) {
            try {
                cleanup();
            }
            catch {
                // Cleaning up must not stop the rest of the cleaning up.
            }
        }
        const tools = [...running];
        const names = [...new Set(tools.map((tool) => tool.name))].join(', ');
        core/* setFailed */.C1(`Cancelled by ${signal}: ${tools.length > 0 ? `stopping ${names}, then ` : ''}nothing more is run.`);
        if (tools.length === 0)
            return exit(1);
        let left = tools.length;
        for (const tool of tools) {
            tool.child.once('close', () => {
                if (--left === 0)
                    exit(1);
            });
            signalTool(tool, 'SIGTERM');
        }
        setTimer(() => {
            for (const tool of running)
                signalTool(tool, 'SIGKILL');
            exit(1);
        }, options.graceMs ?? 4000);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
    };
}
function signalTool(tool, signal) {
    try {
        if (tool.group && tool.child.pid !== undefined)
            process.kill(-tool.child.pid, signal);
        else
            tool.child.kill(signal);
    }
    catch {
        // Already gone.
    }
}

;// CONCATENATED MODULE: ./lib/errors.ts
/**
 * A UserError is a problem the user can fix (a bad input, a missing permission,
 * a resource in the wrong state). It is reported as one line with a hint and
 * never with a stack trace. Anything else reaching the error boundary is a bug.
 */
class errors_UserError extends Error {
    hint;
    name = 'UserError';
    constructor(message, hint) {
        super(message);
        this.hint = hint;
    }
}
function isUserError(err) {
    return err instanceof errors_UserError;
}
/** The message of any thrown value, without its stack. */
function messageOf(err) {
    if (err instanceof Error)
        return err.message;
    return String(err);
}
/** One line for the user: the message, then the hint when there is one. */
function userMessage(err) {
    return err.hint ? `${err.message} ${err.hint}` : err.message;
}

;// CONCATENATED MODULE: ./lib/entry.ts



/**
 * The one error boundary of an action entry point. A UserError becomes one
 * line naming what to fix; anything else is reported as a bug, with its stack
 * only in the debug log, so users never see a trace.
 */
async function withErrorBoundary(body, options = {}) {
    // An action that must treat the signal itself (tf-apply-toggle) says so; every other one is cancelled alike.
    const stopListening = options.handleSignals === false ? () => { } : listenForCancellation();
    try {
        await body();
    }
    catch (err) {
        if (isUserError(err)) {
            core/* setFailed */.C1(userMessage(err));
            return;
        }
        if (err instanceof Error && err.stack)
            core/* debug */.Yz(err.stack);
        core/* setFailed */.C1(`Unexpected error: ${oneLine(messageOf(err))}. This is a bug in pipeline-actions; please report it.`);
    }
    finally {
        stopListening();
    }
}
function oneLine(text) {
    return text.replace(/\s+/g, ' ').trim();
}
/**
 * An action's run(overrides): its defaultDeps() with what a test replaces,
 * handed to the body inside the one error boundary.
 */
function runWithDeps(defaults, overrides, body, options = {}) {
    return withErrorBoundary(() => body({ ...defaults(), ...overrides }), options);
}

;// CONCATENATED MODULE: ./actions/oidc-auth/src/profile.ts



/**
 * The credentials as a named profile, for tools that read profiles rather
 * than the AWS_* key variables (a Terraform provider block with `profile`,
 * a script that runs `aws --profile`). The files live in a folder of their
 * own under RUNNER_TEMP, readable by the runner's user only, and the post
 * step deletes them.
 */
/** Letters, digits and _ . - : safe as an INI section name in every SDK's parser. */
const PROFILE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
function parseProfileName(inputName, raw) {
    if (raw === '')
        return undefined;
    if (!PROFILE_NAME.test(raw))
        throw new UserError(`Input '${inputName}' must be 1 to 64 of letters, digits and _ . -; got '${raw}'.`);
    return raw;
}
/** A private folder for one step's profile: mkdtemp makes it 0700, so only the runner's user can list or read it. */
async function makeProfileDir(runnerTemp) {
    const dir = await mkdtemp(join(runnerTemp, 'oidc-auth-'));
    await chmod(dir, 0o700);
    return { dir, configFile: join(dir, 'config'), credentialsFile: join(dir, 'credentials'), tokenFile: join(dir, 'web-identity-token') };
}
/** The config file's section header: AWS names every profile but the default one `profile <name>` there. */
function configSection(name) {
    return name === 'default' ? '[default]' : `[profile ${name}]`;
}
function ini(section, entries) {
    const lines = Object.entries(entries)
        .filter((entry) => entry[1] !== undefined)
        .map(([key, value]) => `${key} = ${value}`);
    return [section, ...lines, ''].join('\n');
}
/** Fixed keys: the credentials file holds them, the config file the region. */
function staticProfile(name, region, credentials) {
    return {
        config: ini(configSection(name), { region }),
        credentials: ini(`[${name}]`, {
            aws_access_key_id: credentials.accessKeyId,
            aws_secret_access_key: credentials.secretAccessKey,
            aws_session_token: credentials.sessionToken,
        }),
    };
}
/** Intermediate sessions of a chain only bridge to the next role, as in the action's own chain. */
const INTERMEDIATE_SESSION_SECONDS = 900;
/**
 * No keys at all: the profile names the role and the token file, so each SDK
 * calls AssumeRoleWithWebIdentity itself, and again when its session ends,
 * reading the file anew each time. A chain becomes source_profile links, one
 * hidden profile per hop, the named one last.
 */
function refreshingProfile(name, inputs, tokenFile) {
    const hops = [inputs.role, ...inputs.roleChain];
    const profileOf = (index) => (index === hops.length - 1 ? name : `${name}-hop-${index}`);
    const sections = hops.map((role, index) => {
        const last = index === hops.length - 1;
        return ini(configSection(profileOf(index)), {
            role_arn: role.arn,
            ...(index === 0 ? { web_identity_token_file: tokenFile } : { source_profile: profileOf(index - 1), external_id: inputs.externalId }),
            role_session_name: inputs.roleSessionName,
            duration_seconds: last ? inputs.durationSeconds : INTERMEDIATE_SESSION_SECONDS,
            region: inputs.region,
        });
    });
    return { config: sections.join('\n'), credentials: '' };
}
/** Written with 0600 from the start (never world-readable for an instant), and refused if the file exists. */
async function writePrivate(path, text) {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
}
async function removeProfileDir(dir) {
    await (0,promises_.rm)(dir, { recursive: true, force: true });
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
;// CONCATENATED MODULE: ./lib/child-env.ts
/**
 * The environment every tool an action starts (Terraform and its providers
 * and provisioners, Helm and its plugins, Docker, buildx, buildah, kubectl,
 * kubeconform, git) runs with: the step's own, minus what only the action
 * itself may use.
 *
 * The runner hands a JavaScript action the job's OIDC request credentials,
 * the Actions runtime token and the cache and results service URLs. A child
 * that inherits them runs code from the repository (a pull request's
 * Terraform `local-exec`, a chart's plugin, a Dockerfile's build context), and
 * that code could mint an OIDC token for any audience (so assume any role
 * that trusts the repository) or write poisoned entries into the Actions
 * cache. None of the tools needs them: AWS credentials reach them as the
 * standard AWS_* variables, already exchanged.
 */
/** Names removed exactly. */
const WITHHELD = new Set([
    'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_RUNTIME_URL',
    'ACTIONS_CACHE_URL',
    'ACTIONS_RESULTS_URL',
    'GITHUB_TOKEN',
]);
/**
 * Name prefixes removed: later runner versions add variables to the same
 * families (ACTIONS_CACHE_SERVICE_V2, …), and INPUT_* holds the action's own
 * inputs, a `github-token` among them.
 */
const WITHHELD_PREFIXES = (/* unused pure expression or super */ null && (['ACTIONS_ID_TOKEN_', 'ACTIONS_RUNTIME_', 'ACTIONS_CACHE_', 'ACTIONS_RESULTS_', 'INPUT_']));
function isWithheldFromChildren(name) {
    const upper = name.toUpperCase();
    return WITHHELD.has(upper) || WITHHELD_PREFIXES.some((prefix) => upper.startsWith(prefix));
}
/** A copy of `env` without the runner's credentials and the action's inputs; `extra` is added after. */
function child_env_childEnv(env = process.env, extra = {}) {
    const child = {};
    for (const [name, value] of Object.entries(env)) {
        if (value !== undefined && !isWithheldFromChildren(name))
            child[name] = value;
    }
    for (const [name, value] of Object.entries(extra)) {
        if (value !== undefined)
            child[name] = value;
    }
    return child;
}
/**
 * `exec` with every child's environment passed through childEnv, whether the
 * caller gave one or left it to default to process.env. Each action's default
 * exec is wrapped once, so a call site added later cannot forget it.
 */
function withChildEnv(exec) {
    return (command, args, options = {}) => exec(command, args, { ...options, env: child_env_childEnv(options.env ?? process.env) });
}

;// CONCATENATED MODULE: ./actions/oidc-auth/src/refresher-process.ts




const REFRESHER_ENTRY = (/* unused pure expression or super */ null && (['bin', 'refresher', 'index.js']));
/**
 * Starts the token refresher (bin/refresher) detached from the step, so it
 * outlives it; returns its pid for the post step. Its environment is the
 * step's without the runner's credentials (lib/child-env): the request token
 * goes through a pipe that closes once read.
 */
async function startRefresher(config) {
    // In the bundle this module is part of dist/index.js, next to dist/bin/refresher/index.js. The path
    // is joined at run time: written as one literal, ncc would take it for an asset to bundle.
    const script = join(dirname(fileURLToPath(import.meta.url)), ...REFRESHER_ENTRY);
    const child = spawn(process.execPath, [script], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: childEnv(process.env) });
    const pid = await new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('spawn', () => resolve(child.pid));
    });
    await new Promise((resolve, reject) => {
        child.stdin?.once('error', reject);
        child.stdin?.end(JSON.stringify(config), resolve);
    });
    child.unref();
    return pid;
}
/** Stops it; a process that already ended is fine. */
function stopRefresher(pid) {
    try {
        process.kill(pid, 'SIGTERM');
        return true;
    }
    catch (error) {
        if (error.code === 'ESRCH')
            return false;
        throw error;
    }
}

;// CONCATENATED MODULE: ./actions/oidc-auth/src/cleanup.ts






/** Saved by the main step: the profile's folder and the refresher's pid. */
const STATE_PROFILE_DIR = 'profile-dir';
const STATE_REFRESHER_PID = 'refresher-pid';
/**
 * The post step undoes only what the main step left on the runner: it stops
 * the token refresher and deletes the profile's files. It never blanks
 * exported variables (see the README: other actions' post steps may still
 * need AWS), and does nothing when no profile was written.
 */
function runPost() {
    return withErrorBoundary(async () => {
        const pid = Number(core/* getState */.Gu(STATE_REFRESHER_PID));
        if (Number.isInteger(pid) && pid > 0) {
            info(stopRefresher(pid) ? 'Stopped the web identity token refresher' : 'The web identity token refresher had already stopped');
        }
        const dir = core/* getState */.Gu(STATE_PROFILE_DIR);
        if (!dir)
            return;
        const status = await (0,promises_.readFile)((0,external_node_path_.join)(dir, 'refresher-status'), 'utf8').catch(() => '');
        if (status.trim())
            core/* warning */.$e(`The token refresher reported: ${status.trim()}`);
        await removeProfileDir(dir);
        info(`Deleted the AWS profile files in ${dir}`);
    });
}


/***/ })

};

// The end-to-end harness, for scene authors: see test/e2e/README.md.
export { describeVSCode, launchVSCode, DEFAULT_SETTINGS, CHROMIUM_ARGS } from './session';
export type { Scene, SceneBody, SceneOptions, VSCode, VSCodeOptions } from './session';
export { Workbench, headingBefore, locate, DEFAULT_TIMEOUT } from './workbench';
export type { HoverOptions, HoverResult, RecordedDialog, RecordedRequest } from './workbench';
export { installExtension, defaultExtensionSource } from './extension';
export type { InstalledExtension } from './extension';
export { startCodeServer, freePort } from './codeServer';
export type { CodeServer, CodeServerOptions } from './codeServer';
export * as paths from './paths';
export { lastMessage, loggedAt, messagesSince, outputMessages, outputViewText, showOutput, waitForOutput } from './outputLog';
export { cliLookup, lookUpRows } from './lookup';
export type { CliLookupResult, LookupRow } from './lookup';

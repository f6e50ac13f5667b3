// User settings for the windows the tests and the demo open.

/** User settings every window starts with: nothing pops up that a scene did not ask for. */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Light Modern',
  'workbench.editor.enablePreview': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.layoutControl.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
  'editor.cursorBlinking': 'solid',
  'editor.accessibilitySupport': 'off',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
  // code-server's extension host looks for ports to forward by listing every process's sockets with a shell command
  // (`ls -l /proc/*/fd/*`) every 2 s or more, the whole time the window is open: about 1.5 CPU-s every 20 s of an idle
  // window on this machine. Ports that a terminal prints are still offered for forwarding.
  'remote.autoForwardPortsSource': 'output',
};

/**
 * Over DEFAULT_SETTINGS in the scenes' windows (not the demo's): other editors open in the editor area, not in a modal
 * editor over it.
 */
export const SCENE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.editor.useModal': 'off',
};

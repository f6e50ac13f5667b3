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
 * editor over it; and VS Code's "reduce motion" (no fades, slides or animated progress bars: fewer frames for the
 * headless browser to draw in software). The hover scene file alone, alternating: 65–72 machine CPU-s with it, 73–83
 * without; a whole run of the scenes two at a time: 398.3 s and 763 CPU-s with it, 448.0 s and 864 CPU-s without.
 * The panel's highlight of a revealed point is then static (its own reduced-motion style), and still shown.
 */
export const SCENE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.editor.useModal': 'off',
  'workbench.reduceMotion': 'on',
};

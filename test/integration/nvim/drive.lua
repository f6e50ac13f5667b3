-- Drives the open Python buffer as a user would through Neovim's LSP client: waits for the diagnostics, asks for
-- the hover at a position, applies the first code action of the first diagnostic and writes the file. What it saw
-- goes to $ML_NOTES_OUT as JSON; Neovim then quits.
local out = { diagnostics = {}, actions = {} }
local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)

local function finish()
  vim.fn.writefile({ vim.fn.json_encode(out) }, vim.env.ML_NOTES_OUT)
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  out.attached = vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 100)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(out.diagnostics, { lnum = d.lnum, col = d.col, message = d.message, source = d.source, severity = d.severity, code = lsp.code })
  end

  local line, character = tonumber(vim.env.ML_NOTES_HOVER_LINE), tonumber(vim.env.ML_NOTES_HOVER_CHAR)
  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', { textDocument = { uri = uri }, position = { line = line, character = character } }, 20000)
  for _, r in pairs(hover or {}) do
    if r.result and r.result.contents then out.hover = r.result.contents.value end
  end

  -- The diagnostic back in LSP form, as Neovim's own code action request builds it.
  local first = vim.diagnostic.get(bufnr)[1]
  local range = { start = { line = first.lnum, character = first.col }, ['end'] = { line = first.end_lnum, character = first.end_col } }
  local lspDiag = { range = range, message = first.message, source = first.source, severity = first.severity, code = ((first.user_data or {}).lsp or {}).code }
  local params = { textDocument = { uri = uri }, range = range, context = { diagnostics = { lspDiag } } }
  local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 20000)
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do table.insert(out.actions, a.title) end
    local a = (r.result or {})[1]
    if a and a.edit then
      vim.lsp.util.apply_workspace_edit(a.edit, 'utf-16')
      out.applied = a.title
    end
  end
  vim.cmd('write')
end)
if not ok then out.error = tostring(err) end
finish()

-- A minimal Neovim set-up for ml-notes' language server (Neovim 0.7 and later): start it for Python buffers.
-- ML_NOTES_LSP_CMD is the command, as JSON (the test passes node and the CLI it built).
local cmd = vim.fn.json_decode(vim.env.ML_NOTES_LSP_CMD)
vim.api.nvim_create_autocmd('FileType', {
  pattern = 'python',
  callback = function(args)
    local id = vim.lsp.start_client({
      name = 'ml-notes',
      cmd = cmd,
      root_dir = vim.fn.getcwd(),
      init_options = { hover = { maxLines = 12 } },
    })
    vim.lsp.buf_attach_client(args.buf, id)
  end,
})

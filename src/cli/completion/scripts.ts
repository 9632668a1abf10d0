/**
 * Shell completion scripts. Each is a thin shim: it hands the words typed so far to
 * `portcullis __complete -- WORD...` (the last word is the one being completed) and offers what comes
 * back, one candidate a line; a lone `:files` asks the shell for file names. What to complete lives in
 * one place (complete.ts), so the three shells agree and follow the installed version.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

// bash splits COMP_WORDS at = and : (COMP_WORDBREAKS); the words are split again here from the line, and
// candidates lose the part of the word before bash's own current word, so `--set key=va` completes.
const BASH = `# portcullis completion for bash: source it, or save it as
# ~/.local/share/bash-completion/completions/portcullis
_portcullis() {
  local line=\${COMP_LINE:0:COMP_POINT} cur=\${COMP_WORDS[COMP_CWORD]}
  local -a words cands
  read -r -a words <<< "$line"
  [[ $line =~ [[:space:]]$ ]] && words+=('')
  local word=\${words[\${#words[@]}-1]} out
  out=$("\${COMP_WORDS[0]}" __complete -- "\${words[@]:1}" 2>/dev/null) || return 0
  if [[ $out == :files ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return 0
  fi
  local IFS=$'\\n'
  mapfile -t cands < <(compgen -W "$out" -- "$word")
  local pre=
  [[ $word == *"$cur" ]] && pre=\${word%"$cur"}
  COMPREPLY=("\${cands[@]#"$pre"}")
  [[ \${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _portcullis portcullis
`;

const ZSH = `#compdef portcullis
# portcullis completion for zsh: save it as _portcullis in a directory on $fpath
# (before compinit runs), or source it after compinit.
_portcullis() {
  local out c
  local -a cands spaced unspaced
  out=$("\${words[1]}" __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  cands=("\${(@f)out}")
  if [[ \${cands[1]} == :files ]]; then
    _files
    return
  fi
  for c in "\${cands[@]}"; do
    [[ -z $c ]] && continue
    if [[ $c == *= ]]; then unspaced+=("$c"); else spaced+=("$c"); fi
  done
  local ret=1
  (( \${#spaced} )) && compadd -- "\${spaced[@]}" && ret=0
  (( \${#unspaced} )) && compadd -S '' -- "\${unspaced[@]}" && ret=0
  return ret
}
if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _portcullis "$@"
else
  compdef _portcullis portcullis
fi
`;

const FISH = `# portcullis completion for fish: save it as
# ~/.config/fish/completions/portcullis.fish
function __portcullis_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l out (command $words[1] __complete -- $words[2..-1] "$cur" 2>/dev/null)
    if test "$out[1]" = :files
        __fish_complete_path "$cur"
        return
    end
    printf '%s\\n' $out
end
complete -c portcullis -f -a '(__portcullis_complete)'
`;

export function completionScript(shell: Shell): string {
  return {bash: BASH, zsh: ZSH, fish: FISH}[shell];
}

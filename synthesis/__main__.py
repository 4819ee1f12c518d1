from synthesis.cli import main

main(prog_name="synth")

"""rlvr/Verilog-v0: RTL generation judged by simulation against a golden reference."""

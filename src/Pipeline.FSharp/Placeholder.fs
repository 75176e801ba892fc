/// Version information for the Nn pipeline assembly.
module Nn.About

/// The library version.
[<Literal>]
let Version = "0.1.0"

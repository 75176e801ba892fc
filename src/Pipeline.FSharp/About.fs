/// Version information for the Nn pipeline assembly.
module Nn.About

open System.Reflection

/// <summary>
/// The library version (major.minor.patch), read from this assembly's informational version — the <c>Version</c>
/// the build stamps on every Nn assembly and package — without any source-revision suffix.
/// </summary>
let Version: string =
    let assembly = typeof<Nn.Layers.Propagation>.Assembly

    match assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>() with
    | null -> string (assembly.GetName().Version)
    | attribute -> attribute.InformationalVersion.Split('+')[0]

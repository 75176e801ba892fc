// Loads Nn for the scripts beside this file from the repository's build output.
//
//   One step first, after cloning or changing the code:   dotnet build
//
// Without it, F# interactive stops on the lines below with FS0078 ("Unable to find the file 'Nn.Pipeline.dll'"):
// run `dotnet build` in the repository and start the script again. Outside the repository, load the package instead
// (README, "Nn as a package").
#I "../src/Pipeline.FSharp/bin/Debug/net10.0"
#r "MathNet.Numerics.dll"
#r "System.Numerics.Tensors.dll"
#r "Nn.Core.dll"
#r "Nn.Pipeline.dll"

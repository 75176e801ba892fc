/// The public surface of Nn.Pipeline, frozen in a checked-in file so that any change to it is a visible diff, in the
/// manner of FSharp.Core's surface-area test: the signature is dumped by reflection, one line per public type and
/// member, and compared with tests/Pipeline.Tests/SurfaceArea.txt. After a deliberate change, run the tests with
/// NN_ACCEPT_SURFACE=1 to write the new baseline, and review it in the diff.
module Nn.Tests.SurfaceAreaTests

open System
open System.IO
open System.Reflection
open Xunit

/// A type's name as C# and F# show it, with its generic arguments.
let rec private nameOf (t: Type) : string =
    if t.IsGenericParameter then
        t.Name
    elif t.IsArray then
        nameOf (t.GetElementType() |> nonNull)
        + "["
        + String(',', t.GetArrayRank() - 1)
        + "]"
    elif t.IsByRef then
        nameOf (t.GetElementType() |> nonNull) + "&"
    elif t.IsGenericType then
        let definition = t.GetGenericTypeDefinition()
        let name = (definition.FullName |> nonNull).Split('`')[0]
        let arguments = t.GetGenericArguments() |> Array.map nameOf
        $"""{name}<{String.Join(", ", arguments)}>"""
    else
        t.FullName |> Option.ofObj |> Option.defaultValue t.Name

let private parameters (ps: ParameterInfo[]) =
    String.Join(", ", ps |> Array.map (fun p -> nameOf p.ParameterType))

/// Every public type of the assembly and its public members, one sorted line each.
let surface (assembly: Assembly) =
    let flags =
        BindingFlags.Public
        ||| BindingFlags.Instance
        ||| BindingFlags.Static
        ||| BindingFlags.DeclaredOnly

    [
        for t in assembly.GetExportedTypes() do
            let kind =
                if t.IsInterface then "interface"
                elif t.IsEnum then "enum"
                elif t.IsValueType then "struct"
                elif t.IsAbstract && t.IsSealed then "static class"
                elif t.IsAbstract then "abstract class"
                else "class"

            let typeName = nameOf t
            yield $"{typeName}: {kind}"

            // Compiler-generated members (names with '@' or '<', such as inlined functions' debug copies) are not surface.
            for m in
                t.GetMembers flags
                |> Array.filter (fun m -> not (m.Name.Contains '@' || m.Name.StartsWith '<')) do
                match m with
                | :? ConstructorInfo as c -> yield $"{typeName}: .ctor({parameters (c.GetParameters())})"
                | :? MethodInfo as mi when not mi.IsSpecialName ->
                    let generic =
                        if mi.IsGenericMethodDefinition then
                            "<" + String.Join(", ", mi.GetGenericArguments() |> Array.map nameOf) + ">"
                        else
                            ""

                    let scope = if mi.IsStatic then "static " else ""
                    yield $"{typeName}: {scope}{mi.Name}{generic}({parameters (mi.GetParameters())}) : {nameOf mi.ReturnType}"
                | :? PropertyInfo as p ->
                    let accessors =
                        [
                            if p.CanRead then
                                "get"

                                if p.CanWrite then
                                    "set"
                        ]
                        |> String.concat "; "

                    yield $"{typeName}: {p.Name} : {nameOf p.PropertyType} {{ {accessors} }}"
                | :? FieldInfo as f -> yield $"{typeName}: field {f.Name} : {nameOf f.FieldType}"
                | :? EventInfo as e -> yield $"{typeName}: event {e.Name}"
                | _ -> ()
    ]
    |> List.distinct
    |> List.sortWith (fun a b -> String.CompareOrdinal(a, b))

[<Fact>]
let ``the public surface of Nn.Pipeline is the checked-in one`` () =
    let baseline =
        Path.Combine(Support.repositoryRoot, "tests", "Pipeline.Tests", "SurfaceArea.txt")

    let actual = surface typeof<Nn.Pipeline.Batch<float>>.Assembly

    if Environment.GetEnvironmentVariable "NN_ACCEPT_SURFACE" = "1" then
        File.WriteAllLines(baseline, actual)

    let expected = File.ReadAllLines baseline |> List.ofArray
    let added = actual |> List.except expected
    let removed = expected |> List.except actual

    let show (lines: string list) =
        String.Join("\n  ", lines |> List.truncate 20)

    Assert.True(
        added.IsEmpty && removed.IsEmpty,
        $"The public surface changed (run the tests with NN_ACCEPT_SURFACE=1 to accept it).\nAdded:\n  {show added}\nRemoved:\n  {show removed}"
    )

[<Fact>]
let ``the C# facade shows no F# type to C#`` () =
    // Nn.Training's types of this assembly are what C# code uses: no FSharpOption, FSharpFunc, FSharpList,
    // FSharpResult, F# tuple-returning module or "…Module" name may appear in them.
    let facade =
        surface typeof<Nn.Pipeline.Batch<float>>.Assembly
        |> List.filter (fun line -> line.StartsWith("Nn.Training.", StringComparison.Ordinal))

    Assert.NotEmpty facade

    let leaks =
        facade
        |> List.filter (fun line ->
            line.Contains "Microsoft.FSharp"
            || line.Contains "Module"
            || line.Contains "Nn.Pipeline.Optimizer<")

    Assert.True(leaks.IsEmpty, "F# types in the C# facade:\n" + String.Join("\n", leaks))

module Nn.Tests.CsvTests

open System
open System.IO
open System.Text
open Nn.Pipeline
open Xunit

let private read (text: string) =
    Csv.readText "t.csv" text (LabelColumn.Required "label")

let private error (text: string) =
    match read text with
    | Ok _ -> failwith "the CSV was accepted"
    | Error e -> e.Message

[<Fact>]
let ``quoted cells, commas and line breaks inside quotes, CRLF and blank lines are read as RFC 4180 says`` () =
    // Line 1 header (a quoted name with a comma), line 2 a row, line 3 blank, lines 4–5 one row whose quoted
    // label cell holds a line break before the number (trimmed away), line 6 a row with CRLF.
    let text =
        "\"x, first\",\"y\",label\r\n1.5,\"2\",0\r\n\r\n\"3\",4,\"\n1\"\r\n5,6,1\r\n"

    match read text with
    | Error e -> failwith e.Message
    | Ok(header, block) ->
        Assert.Equal<string>([| "x, first"; "y"; "label" |], header.Columns)
        Assert.Equal<string>([| "x, first"; "y" |], header.FeatureNames)
        Assert.Equal<float>([| 1.5; 2.0; 3.0; 4.0; 5.0; 6.0 |], block.Features.ToColumnMajorArray())
        Assert.Equal<float>([| 0.0; 1.0; 1.0 |], block.Labels)
        Assert.Equal<int>([| 2; 4; 6 |], block.Lines)

[<Fact>]
let ``a UTF-8 byte-order mark is not part of the first column's name`` () =
    let bytes =
        Array.append [| 0xEFuy; 0xBBuy; 0xBFuy |] (Encoding.UTF8.GetBytes "x,label\n1,0\n2,1\n")

    let path = Path.Combine(Path.GetTempPath(), $"nn-bom-{Guid.NewGuid():N}.csv")
    File.WriteAllBytes(path, bytes)

    try
        match Csv.readFile path (LabelColumn.Required "label") with
        | Ok(header, _) -> Assert.Equal<string>([| "x"; "label" |], header.Columns)
        | Error e -> failwith e.Message
    finally
        File.Delete path

[<Fact>]
let ``a quoted header names its columns without the quotes`` () =
    match read "\"x\",\"label\"\n1,0\n" with
    | Ok(header, _) -> Assert.Equal(Some 1, header.Label)
    | Error e -> failwith e.Message

[<Fact>]
let ``a repeated column name is an error naming both columns`` () =
    Assert.Equal("t.csv, line 1, column 3: the column name \"label\" is also column 2; column names must be distinct", error "x0,label,label\n1,0,1\n")

[<Fact>]
let ``an unnamed column and a label-only file are errors`` () =
    Assert.StartsWith("t.csv, line 1, column 1: the column has no name", error ",x,label\n0,1,0\n")
    Assert.Equal("t.csv, line 1: the only column is the label \"label\"; there are no feature columns to learn from", error "label\n0\n1\n")

[<Fact>]
let ``a stray quote and a quote never closed are reported on their line`` () =
    Assert.StartsWith("t.csv, line 3: not valid CSV: a quote inside an unquoted cell", error "x,label\n1,0\n2x\"y,1\n")
    Assert.StartsWith("t.csv, line 3: not valid CSV: a quoted cell is never closed", error "x,label\n1,0\n\"2,1\n3,0\n")

[<Fact>]
let ``a ragged row after a multi-line cell is reported on the line it starts`` () =
    Assert.Equal("t.csv, line 4, column 3: the row has 2 cells but the header has 3 columns", error "a,b,label\n\"1\n\",2,0\n3,1\n")

[<Fact>]
let ``class labels beyond the int range are too large, not malformed`` () =
    Assert.Equal(
        "t.csv, line 3, column 2 (label): the class label 2147483647 is too large; class labels are 0, 1, 2, … up to at most 2147483646",
        (match read "x,label\n1,0\n2,2147483647\n" with
         | Ok(header, block) ->
             match Csv.classLabels header block with
             | Error e -> e.Message
             | Ok _ -> "accepted"
         | Error e -> e.Message)
    )

[<Fact>]
let ``a table is read in blocks of at most the asked rows, with the lines of each`` () =
    let text =
        "x,label\n" + String.Join("\n", [ for i in 1..10 -> $"{i},{i % 2}" ]) + "\n"

    match Csv.openStream "t.csv" (new MemoryStream(Encoding.UTF8.GetBytes text)) (LabelColumn.IgnoredIfPresent "label") with
    | Error e -> failwith e.Message
    | Ok table ->
        use table = table
        let sizes = ResizeArray()

        let rec loop () =
            match table.Next 4 with
            | Ok(Some block) ->
                Assert.Equal(block.Features.ColumnCount, block.Labels.Length)
                sizes.Add(block.Features.ColumnCount, block.Lines[0])
                loop ()
            | Ok None -> ()
            | Error e -> failwith e.Message

        loop ()
        Assert.Equal<(int * int) list>([ 4, 2; 4, 6; 2, 10 ], List.ofSeq sizes)

[<Fact>]
let ``the writer quotes commas, quotes, line breaks and edge spaces and nothing else`` () =
    use stream = new MemoryStream()

    do
        use writer = Csv.writer stream
        writer.WriteRecord([| "a,b"; "say \"hi\""; "two\nlines"; " padded"; "-1"; "plain" |])

    Assert.Equal("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",-1,plain\n", Encoding.UTF8.GetString(stream.ToArray()))

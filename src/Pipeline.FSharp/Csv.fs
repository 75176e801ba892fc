namespace Nn.Pipeline

open System
open System.Collections.Generic
open System.Globalization
open System.IO
open CsvHelper
open MathNet.Numerics.LinearAlgebra
open Nn.LinearAlgebra

/// <summary>
/// Why a CSV file could not be read. Every case knows the file, and where it applies the 1-based line and
/// column; <c>Message</c> renders it as one line such as
/// <c>iris.csv, line 7, column 2 (sepal_width): "abc" is not a number</c>.
/// </summary>
type CsvError =
    /// The file does not exist.
    | FileNotFound of file: string
    /// The file has no non-blank line.
    | EmptyFile of file: string
    /// The file has a header row but no data rows.
    | HeaderOnly of file: string
    /// No header column carries the requested label name.
    | MissingLabelColumn of file: string * label: string * header: string list
    /// Two header columns have the same name (column is the later one, first the earlier, both 1-based).
    | DuplicateColumn of file: string * column: int * name: string * first: int
    /// A header cell is empty.
    | UnnamedColumn of file: string * column: int
    /// The label is the only column, so there is nothing to learn from.
    | NoFeatureColumns of file: string * label: string
    /// The text is not valid CSV (RFC 4180): a stray quote, text after a closing quote, a quote never closed.
    | Malformed of file: string * line: int * reason: string
    /// A row has a different number of cells from the header; column is the first missing or extra one.
    | RaggedRow of file: string * line: int * column: int * expected: int * actual: int
    /// A cell is not a number (invariant culture: '.' as decimal separator).
    | NonNumericCell of file: string * line: int * column: int * name: string * text: string
    /// A cell parses to NaN or ±∞.
    | NonFiniteCell of file: string * line: int * column: int * name: string * text: string
    /// A class label is not a whole number ≥ 0.
    | InvalidLabel of file: string * line: int * column: int * name: string * text: string
    /// A class label is a whole number too large to index a class (above <c>Csv.MaxClassLabel</c>).
    | LabelTooLarge of file: string * line: int * column: int * name: string * text: string
    /// The rows hold more values than one array can (features × samples above <c>Array.MaxLength</c>).
    | TooLarge of file: string * line: int * values: int64
    /// The file exists but cannot be read (permissions, a directory, an I/O error).
    | Unreadable of file: string * reason: string

    /// The error as one line naming the file, and the line and column where they apply, and what to do.
    member e.Message =
        let at file line column name =
            $"{file}, line {line}, column {column} ({name})"

        match e with
        | FileNotFound file -> $"{file}: no such file"
        | EmptyFile file -> $"{file}, line 1: the file is empty; expected a header row and data rows"
        | HeaderOnly file -> $"{file}, line 2: the file has a header row but no data rows"
        | MissingLabelColumn(file, label, header) ->
            let columns = String.Join(", ", header)
            $"{file}, line 1: no column named \"{label}\" in the header (columns: {columns})"
        | DuplicateColumn(file, column, name, first) ->
            $"{file}, line 1, column {column}: the column name \"{name}\" is also column {first}; column names must be distinct"
        | UnnamedColumn(file, column) ->
            $"{file}, line 1, column {column}: the column has no name; give every column a distinct name (an unnamed first column is often a row index: remove it)"
        | NoFeatureColumns(file, label) -> $"{file}, line 1: the only column is the label \"{label}\"; there are no feature columns to learn from"
        | Malformed(file, line, reason) -> $"{file}, line {line}: not valid CSV: {reason}"
        | RaggedRow(file, line, column, expected, actual) ->
            $"{file}, line {line}, column {column}: the row has {actual} cells but the header has {expected} columns"
        | NonNumericCell(file, line, column, name, text) -> $"{at file line column name}: \"{text}\" is not a number"
        | NonFiniteCell(file, line, column, name, text) -> $"{at file line column name}: \"{text}\" is not finite; values must be finite numbers"
        | InvalidLabel(file, line, column, name, text) ->
            $"{at file line column name}: the class label \"{text}\" is not a whole number ≥ 0; class labels are 0, 1, 2, …"
        | LabelTooLarge(file, line, column, name, text) ->
            $"{at file line column name}: the class label {text} is too large; class labels are 0, 1, 2, … up to at most {Int32.MaxValue - 1}"
        | TooLarge(file, line, values) ->
            $"{file}, line {line}: the data reaches {values:N0} values, more than one array holds ({Array.MaxLength:N0}); use fewer rows or columns"
        | Unreadable(file, reason) -> $"{file}: cannot be read ({reason})"

    /// Same as <c>Message</c>.
    override e.ToString() = e.Message

/// What a reader does with the label column.
[<RequireQualifiedAccess>]
type LabelColumn =
    /// The column of this name must exist; its values become the targets.
    | Required of name: string
    /// The column of this name is left out when present (for example a label column in a file to predict).
    | IgnoredIfPresent of name: string

/// The header of a numeric CSV file: every column name, the label column's 0-based index if there is one, and the
/// names of the feature columns in file order.
type CsvHeader = {
    /// The file name used in messages.
    File: string
    /// Every column name, trimmed and unquoted, in file order.
    Columns: string[]
    /// The 0-based index of the label column, if the file has one (and it was asked for).
    Label: int option
    /// The names of the feature columns (every column but the label), in file order.
    FeatureNames: string[]
}

/// <summary>
/// Consecutive data rows of a CSV file: the features as a features × rows matrix (one sample per column, the
/// layout of <c>Nn.Layers.Propagation</c>), the label cell of each row (empty when the file has no label column) and
/// each row's 1-based line number.
/// </summary>
type CsvBlock = {
    /// Features × rows, finite.
    Features: Matrix<float>
    /// The label column's value per row, finite (not yet checked as a class label); empty when the file has no label column.
    Labels: float[]
    /// The line each row starts on (a quoted cell may span lines, so this is not the row index + 2).
    Lines: int[]
}

/// Raised inside the reader and turned into an <c>Error</c> at the public functions.
exception internal CsvFailure of CsvError

/// What CsvHelper's reports of text that breaks RFC 4180 mean, for messages.
module internal CsvMalformed =

    /// The reason as a phrase that says how to fix it.
    let describe (reason: CsvMalformedReason) =
        match reason with
        | CsvMalformedReason.StrayQuote -> "a quote inside an unquoted cell; quote the whole cell and double the quotes inside it (\"a\"\"b\")"
        | CsvMalformedReason.TextAfterClosingQuote -> "text after a closing quote; quote the whole cell"
        | CsvMalformedReason.UnterminatedQuote -> "a quoted cell is never closed; add the closing quote"
        | other -> $"{other}"

    /// Raises the first malformed record seen, if any.
    let check (file: string) (seen: CsvMalformedRecord option ref) =
        match seen.Value with
        | Some record -> raise (CsvFailure(Malformed(file, int record.LineNumber, describe record.Reason)))
        | None -> ()

/// <summary>
/// A numeric CSV file open for reading, block by block (RFC 4180, read by CsvHelper): a header row, then one sample
/// per row. Quoted cells may hold commas, quotes (doubled) and line breaks; a UTF-8 byte-order mark and CRLF line
/// ends are accepted; cells are trimmed; blank lines are skipped but counted in line numbers. Every cell but the
/// header must be a finite number in the invariant culture. Created by <c>Csv.openFile</c> or <c>Csv.openStream</c>;
/// dispose it to close the file.
/// </summary>
/// <remarks>
/// Reading holds one block in memory, never the file: <c>Next n</c> returns at most n rows. The first problem met,
/// top to bottom and left to right, ends the reading with an <c>Error</c>.
/// </remarks>
[<Sealed>]
type CsvTable internal (reader: CsvReader, header: CsvHeader, malformed: CsvMalformedRecord option ref) =
    let columns = header.Columns.Length
    let label = defaultArg header.Label -1
    let featureCount = header.FeatureNames.Length
    let mutable rows = 0L
    let mutable finished = false

    /// Reads the next data row into the buffers; false at the end of the file.
    let readRow (features: List<float>) (labels: List<float>) (lines: List<int>) =
        if finished || not (reader.Read()) then
            finished <- true
            CsvMalformed.check header.File malformed
            false
        else
            let line = int reader.LineNumber
            CsvMalformed.check header.File malformed

            let count = reader.FieldCount

            if count <> columns then
                raise (CsvFailure(RaggedRow(header.File, line, min count columns + 1, columns, count)))

            let values = int64 (features.Count + featureCount)

            if values > int64 Array.MaxLength then
                raise (CsvFailure(TooLarge(header.File, line, values)))

            for c in 0 .. columns - 1 do
                let mutable v = 0.0

                if not (Double.TryParse(reader.GetSpan c, NumberStyles.Float, CultureInfo.InvariantCulture, &v)) then
                    raise (CsvFailure(NonNumericCell(header.File, line, c + 1, header.Columns[c], reader.GetString c)))

                if not (Double.IsFinite v) then
                    raise (CsvFailure(NonFiniteCell(header.File, line, c + 1, header.Columns[c], reader.GetString c)))

                if c = label then labels.Add v else features.Add v

            lines.Add line
            rows <- rows + 1L
            true

    /// The file's header.
    member _.Header = header

    /// <summary>
    /// The next block of at most <paramref name="maxRows"/> rows; <c>Ok None</c> at the end of the file, and
    /// <c>Error HeaderOnly</c> when the file has no data row at all.
    /// </summary>
    member _.Next(maxRows: int) : Result<CsvBlock option, CsvError> =
        if maxRows <= 0 then
            invalidArg (nameof maxRows) $"maxRows is {maxRows}: a block needs at least one row."

        let capacity = int (min (int64 maxRows) 4096L)
        let features = List<float>(capacity * featureCount)
        let labels = List<float>(if label >= 0 then capacity else 0)
        let lines = List<int>(capacity)

        try
            let mutable n = 0

            while n < maxRows && readRow features labels lines do
                n <- n + 1

            if n = 0 then
                if rows = 0L then Error(HeaderOnly header.File) else Ok None
            else
                Ok(
                    Some {
                        Features = Dense.Matrix(featureCount, n, features.ToArray())
                        Labels = labels.ToArray()
                        Lines = lines.ToArray()
                    }
                )
        with
        | CsvFailure error -> Error error
        | :? IOException as e -> Error(Unreadable(header.File, e.Message))
        | :? CsvFormatException as e -> Error(Malformed(header.File, int e.LineNumber, e.Message))

    interface IDisposable with
        member _.Dispose() = reader.Dispose()

/// Reading numeric CSV files (CsvHelper, RFC 4180) and writing CSV tables.
[<RequireQualifiedAccess>]
module Csv =

    /// The largest class label: labels index the classes 0 … k − 1 and k must be an <c>int</c>.
    [<Literal>]
    let MaxClassLabel = 2147483646

    let private options (malformed: CsvMalformedRecord option ref) =
        CsvReaderOptions(
            HasHeader = false,
            Separator = Nullable ',',
            DetectSeparatorHint = false,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            TrimWhitespace = Nullable true,
            MalformedData = CsvMalformedDataHandling.Recover,
            // Recover and record the first malformed record, so that its line is reported in Nn's words.
            OnMalformedRecord =
                Action<CsvMalformedRecord>(fun r ->
                    if malformed.Value.IsNone then
                        malformed.Value <- Some r)
        )

    let private checkHeader (file: string) (names: string[]) (labelColumn: LabelColumn) : Result<CsvHeader, CsvError> =
        let seen = Dictionary<string, int>(StringComparer.Ordinal)

        let problem =
            names
            |> Array.indexed
            |> Array.tryPick (fun (i, name) ->
                if name.Length = 0 then
                    Some(UnnamedColumn(file, i + 1))
                else
                    match seen.TryGetValue name with
                    | true, first -> Some(DuplicateColumn(file, i + 1, name, first + 1))
                    | false, _ ->
                        seen[name] <- i
                        None)

        match problem, labelColumn with
        | Some error, _ -> Error error
        | None, LabelColumn.Required name when not (seen.ContainsKey name) -> Error(MissingLabelColumn(file, name, List.ofArray names))
        | None, LabelColumn.Required name when names.Length = 1 -> Error(NoFeatureColumns(file, name))
        | None, (LabelColumn.Required name | LabelColumn.IgnoredIfPresent name) ->
            let label =
                match seen.TryGetValue name with
                | true, i -> Some i
                | false, _ -> None

            Ok {
                File = file
                Columns = names
                Label = label
                FeatureNames =
                    names
                    |> Array.indexed
                    |> Array.filter (fun (i, _) -> Some i <> label)
                    |> Array.map snd
            }

    /// <summary>
    /// Opens CSV text from <paramref name="stream"/> (UTF-8, with or without a byte-order mark) and reads its header.
    /// <paramref name="file"/> names it in messages. The table takes ownership of the stream.
    /// </summary>
    /// <returns>The open table, or the first problem of the header: empty file, unnamed, repeated or missing columns.</returns>
    let openStream (file: string) (stream: Stream) (labelColumn: LabelColumn) : Result<CsvTable, CsvError> =
        let malformed = ref None
        let reader = CsvReader.Create(stream, options malformed, false)

        let header =
            try
                if reader.Read() then
                    CsvMalformed.check file malformed
                    checkHeader file (Array.init reader.FieldCount reader.GetString) labelColumn
                else
                    Error(EmptyFile file)
            with
            | CsvFailure error -> Error error
            | :? IOException as e -> Error(Unreadable(file, e.Message))
            | :? CsvFormatException as e -> Error(Malformed(file, int e.LineNumber, e.Message))

        match header with
        | Ok header -> Ok(new CsvTable(reader, header, malformed))
        | Error e ->
            reader.Dispose()
            Error e

    /// <summary>
    /// Opens the CSV file at <paramref name="path"/> (see <c>CsvTable</c>) and reads its header. Messages name the
    /// file by the path as given.
    /// </summary>
    let openFile (path: string) (labelColumn: LabelColumn) : Result<CsvTable, CsvError> =
        if Directory.Exists path then
            Error(Unreadable(path, "it is a directory, not a file"))
        elif not (File.Exists path) then
            Error(FileNotFound path)
        else
            try
                let stream =
                    new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16, FileOptions.SequentialScan)

                openStream path stream labelColumn
            with
            | :? UnauthorizedAccessException -> Error(Unreadable(path, "permission denied"))
            | :? IOException as e -> Error(Unreadable(path, e.Message))

    /// Every remaining row of an open table as one block (at least one row, or <c>Error HeaderOnly</c>).
    let readAll (table: CsvTable) : Result<CsvBlock, CsvError> =
        table.Next Int32.MaxValue
        |> Result.bind (function
            | Some block -> Ok block
            | None -> Error(HeaderOnly table.Header.File))

    /// <summary>
    /// The label cells of a block as class indices, checking each is a whole number from 0 to <c>MaxClassLabel</c>.
    /// </summary>
    /// <returns>One class index per row, or the first row whose label is not one (with its line and column).</returns>
    let classLabels (header: CsvHeader) (block: CsvBlock) : Result<int[], CsvError> =
        match header.Label with
        | None -> invalidArg (nameof header) $"{header.File} has no label column."
        | Some column ->
            let name = header.Columns[column]
            let at i = block.Lines[i]

            let text (v: float) =
                v.ToString("R", CultureInfo.InvariantCulture)

            match
                block.Labels
                |> Array.tryFindIndex (fun v -> v < 0.0 || v <> Math.Floor v || v > float MaxClassLabel)
            with
            | Some i when block.Labels[i] >= 0.0 && block.Labels[i] = Math.Floor block.Labels[i] ->
                Error(LabelTooLarge(header.File, at i, column + 1, name, text block.Labels[i]))
            | Some i -> Error(InvalidLabel(header.File, at i, column + 1, name, text block.Labels[i]))
            | None -> Ok(Array.map int block.Labels)

    /// <summary>
    /// Reads a whole CSV file: <c>openFile</c> then <c>readAll</c>.
    /// </summary>
    let readFile (path: string) (labelColumn: LabelColumn) : Result<CsvHeader * CsvBlock, CsvError> =
        openFile path labelColumn
        |> Result.bind (fun table ->
            use table = table
            readAll table |> Result.map (fun block -> table.Header, block))

    /// <summary>
    /// Reads CSV text held in memory (see <c>CsvTable</c>); <paramref name="file"/> names it in messages.
    /// </summary>
    let readText (file: string) (text: string) (labelColumn: LabelColumn) : Result<CsvHeader * CsvBlock, CsvError> =
        openStream file (new MemoryStream(Text.Encoding.UTF8.GetBytes text)) labelColumn
        |> Result.bind (fun table ->
            use table = table
            readAll table |> Result.map (fun block -> table.Header, block))

    /// <summary>
    /// A CSV writer (CsvHelper) on <paramref name="stream"/>, which it leaves open: RFC 4180 quoting — a cell that
    /// holds a comma, a quote, a line break or leading or trailing space is quoted, with quotes doubled — and
    /// <c>\n</c> line ends. Write rows with <c>WriteRecord</c>; dispose it to flush.
    /// </summary>
    let writer (stream: Stream) : CsvWriter =
        CsvWriter.Create(stream, CsvWriterOptions(NewLine = "\n", Quoting = CsvQuoting.WhenNeededOrWhitespace), true)

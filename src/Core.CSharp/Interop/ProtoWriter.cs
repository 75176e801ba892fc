using Google.Protobuf;

namespace Nn.Interop;

/// <summary>
/// Builds one protocol-buffer message in memory, field by field, in the wire format of
/// <see cref="CodedOutputStream"/>. A nested message is built in its own writer and written as a length-delimited
/// field of its parent. The builder mutates freely; <see cref="ToArray"/> hands over a copy of its bytes.
/// </summary>
/// <remarks>
/// Varint fields are written with <see cref="CodedOutputStream.WriteInt64"/>: for the non-negative values used here
/// the encoding is the same as that of int32 and enum fields.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "A MemoryStream and a CodedOutputStream over it hold no unmanaged resources: the garbage collector frees all they own.")]
internal sealed class ProtoWriter
{
    private readonly MemoryStream buffer = new();
    private readonly CodedOutputStream output;

    public ProtoWriter()
    {
        output = new CodedOutputStream(buffer, leaveOpen: true);
    }

    /// <summary>A varint field (int64, int32 or enum with a non-negative value).</summary>
    public ProtoWriter Varint(int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
        return this;
    }

    /// <summary>A UTF-8 string field.</summary>
    public ProtoWriter String(int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
        return this;
    }

    /// <summary>A bytes field.</summary>
    public ProtoWriter Bytes(int field, byte[] value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    /// <summary>A nested message field holding everything written to <paramref name="message"/> so far.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    /// <summary>The message's bytes so far.</summary>
    public byte[] ToArray()
    {
        output.Flush();
        return buffer.ToArray();
    }
}

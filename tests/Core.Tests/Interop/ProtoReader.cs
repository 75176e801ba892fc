using Google.Protobuf;

namespace Nn.Tests.Interop;

/// <summary>One field of a protocol-buffer message as read off the wire.</summary>
internal sealed record ProtoField(int Number, WireFormat.WireType WireType, ulong Scalar, byte[] Bytes)
{
    public long Int64 => (long)Scalar;

    public float Float => BitConverter.Int32BitsToSingle((int)Scalar);

    public string Text => System.Text.Encoding.UTF8.GetString(Bytes);

    public ProtoMessage Message => ProtoReader.Read(Bytes);
}

/// <summary>The fields of one message, in wire order.</summary>
internal sealed record ProtoMessage(IReadOnlyList<ProtoField> Fields)
{
    public IEnumerable<ProtoField> All(int number) => Fields.Where(f => f.Number == number);

    public ProtoField Single(int number) => Assert.Single(All(number));

    public string Text(int number) => Single(number).Text;

    public long Int64(int number) => Single(number).Int64;

    public ProtoMessage Message(int number) => Single(number).Message;

    public IEnumerable<ProtoMessage> Messages(int number) => All(number).Select(f => f.Message);
}

/// <summary>A minimal wire-format reader, enough to read back what the ONNX exporter writes.</summary>
internal static class ProtoReader
{
    public static ProtoMessage Read(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var fields = new List<ProtoField>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            var type = WireFormat.GetTagWireType(tag);
            fields.Add(type switch
            {
                WireFormat.WireType.Varint => new ProtoField(number, type, input.ReadUInt64(), []),
                WireFormat.WireType.Fixed32 => new ProtoField(number, type, input.ReadFixed32(), []),
                WireFormat.WireType.Fixed64 => new ProtoField(number, type, input.ReadFixed64(), []),
                WireFormat.WireType.LengthDelimited => new ProtoField(number, type, 0, input.ReadBytes().ToByteArray()),
                _ => throw new InvalidDataException($"Field {number} has wire type {type}, which the exporter never writes."),
            });
        }

        return new ProtoMessage(fields);
    }
}

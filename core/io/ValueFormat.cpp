#include "ValueFormat.h"

#include <msgpack.h>

#include <cmath>

#include "StreamEntry.h"

#include <QJsonDocument>
#include <QStringDecoder>

namespace streamscope::valueformat {

namespace {

const char hexDigits[] = "0123456789abcdef";

bool isPlainAscii(QByteArrayView bytes) {
    for (char c : bytes)
        if (uchar(c) >= 0x80)
            return false;
    return true;
}

QString escapedBytes(QByteArrayView bytes, bool escapeControls) {
    QString out;
    out.reserve(bytes.size());
    for (char c : bytes) {
        const uchar u = uchar(c);
        if (c == '\\') {
            out += QLatin1String("\\\\");
        } else if (u >= 0x20 && u < 0x7f) {
            out += QLatin1Char(c);
        } else if (escapeControls || u >= 0x7f || (c != '\n' && c != '\t')) {
            switch (c) {
            case '\n':
                out += QLatin1String("\\n");
                break;
            case '\r':
                out += QLatin1String("\\r");
                break;
            case '\t':
                out += QLatin1String("\\t");
                break;
            default:
                out += QLatin1String("\\x");
                out += QLatin1Char(hexDigits[u >> 4]);
                out += QLatin1Char(hexDigits[u & 0xf]);
            }
        } else {
            out += QLatin1Char(c);
        }
    }
    return out;
}

} // namespace

bool hasControlBytes(QByteArrayView bytes) {
    for (char c : bytes)
        if (uchar(c) < 0x20 && c != '\n' && c != '\r' && c != '\t')
            return true;
    return false;
}

bool isUtf8(QByteArrayView bytes) {
    if (isPlainAscii(bytes))
        return true;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder.decode(bytes);
    return !decoder.hasError();
}

QString displayText(QByteArrayView bytes) {
    if (isUtf8(bytes) && !hasControlBytes(bytes))
        return QString::fromUtf8(bytes);
    return escapedBytes(bytes, false);
}

QString singleLine(QByteArrayView bytes, int maxChars) {
    // Work on a bounded prefix: a 16 MB value must not cost 16 MB of formatting per paint.
    const qsizetype limit = qsizetype(qMax(0, maxChars)) * 4 + 4;
    qsizetype cut = qMin(bytes.size(), limit);
    // Do not split a UTF-8 sequence at the cut: step back to the start of the last character.
    if (cut < bytes.size())
        while (cut > 0 && (uchar(bytes.at(cut)) & 0xc0) == 0x80)
            --cut;
    const QByteArrayView head = bytes.first(cut);
    QString text;
    if (!isUtf8(head)) {
        text = escapedBytes(head, true);
    } else {
        for (const QChar ch : QString::fromUtf8(head)) {
            if (ch == QLatin1Char('\n'))
                text += QLatin1String("\\n");
            else if (ch == QLatin1Char('\t'))
                text += QLatin1String("\\t");
            else if (ch.unicode() < 0x20)
                text += QStringLiteral("\\x%1").arg(ch.unicode(), 2, 16, QLatin1Char('0'));
            else
                text += ch;
        }
    }
    if (text.size() > maxChars || head.size() < bytes.size())
        text = text.left(qMax(0, maxChars - 1)) + QChar(0x2026);
    return text;
}

std::optional<QString> prettyJson(QByteArrayView bytes) {
    const QByteArray trimmed = bytes.trimmed().toByteArray();
    if (trimmed.isEmpty() || (trimmed.front() != '{' && trimmed.front() != '['))
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &error);
    if (error.error != QJsonParseError::NoError)
        return std::nullopt;
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

// Appends bytes between double quotes, escaping \" \\ \n \r \t and other control bytes: as
// \u00NN for JSON, or as \xNN for redis-cli, which also wants every non-ASCII byte escaped.
static void appendQuoted(QByteArray &out, QByteArrayView bytes, bool redisCli) {
    out += '"';
    for (char c : bytes) {
        const uchar u = uchar(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (u < 0x20 || (redisCli && u >= 0x7f)) {
                out += redisCli ? "\\x" : "\\u00";
                out += hexDigits[u >> 4];
                out += hexDigits[u & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendJsonString(QByteArray &out, QByteArrayView bytes) {
    // JSON strings are Unicode: bytes that are not UTF-8 go in as their escaped text.
    if (isUtf8(bytes))
        appendQuoted(out, bytes, false);
    else
        appendQuoted(out, escapedBytes(bytes, false).toUtf8(), false);
}

void appendEntryJson(QByteArray &out, const StreamEntry &e) {
    out += "{\"stream\":";
    appendJsonString(out, e.stream);
    out += ",\"id\":\"";
    out += e.id.toByteArray();
    out += "\",\"fields\":{";
    bool first = true;
    e.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (!first)
            out += ',';
        first = false;
        appendJsonString(out, name);
        out += ':';
        appendJsonString(out, value);
    });
    out += "}}\n";
}

QByteArray redisCliQuote(QByteArrayView bytes) {
    bool plain = !bytes.isEmpty();
    for (char c : bytes)
        plain = plain && uchar(c) > 0x20 && uchar(c) < 0x7f && c != '"' && c != '\\' && c != '\'';
    if (plain)
        return bytes.toByteArray();
    QByteArray out;
    appendQuoted(out, bytes, true);
    return out;
}

QByteArray xaddCommand(const StreamEntry &entry) {
    QByteArray out = "XADD " + redisCliQuote(entry.stream) + ' ' + entry.id.toByteArray();
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        out += ' ' + redisCliQuote(name) + ' ' + redisCliQuote(value);
    });
    return out;
}

Format detectFormat(QByteArrayView bytes) {
    if (prettyJson(bytes))
        return Format::Json;
    if (isUtf8(bytes) && !hasControlBytes(bytes))
        return Format::Text;
    return messagePackJson(bytes) ? Format::MessagePack : Format::Hex;
}

namespace {

void appendIndent(QByteArray &out, int level) {
    out += '\n';
    out.append(qsizetype(level) * 4, ' ');
}

// Writes one MessagePack object as JSON; false when nested deeper than sanity allows.
bool appendMsgpack(QByteArray &out, const msgpack_object &o, int level) {
    if (level > 64)
        return false;
    switch (o.type) {
    case MSGPACK_OBJECT_NIL:
        out += "null";
        return true;
    case MSGPACK_OBJECT_BOOLEAN:
        out += o.via.boolean ? "true" : "false";
        return true;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        out += QByteArray::number(quint64(o.via.u64));
        return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        out += QByteArray::number(qint64(o.via.i64));
        return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        out += std::isfinite(o.via.f64) ? QByteArray::number(o.via.f64, 'g', 17) : "null";
        return true;
    case MSGPACK_OBJECT_STR:
        appendJsonString(out, QByteArrayView(o.via.str.ptr, o.via.str.size));
        return true;
    case MSGPACK_OBJECT_BIN:
        appendJsonString(out, QByteArrayView(o.via.bin.ptr, o.via.bin.size));
        return true;
    case MSGPACK_OBJECT_EXT:
        out += "{\"$ext\": " + QByteArray::number(o.via.ext.type) + ", \"data\": ";
        appendJsonString(out, QByteArrayView(o.via.ext.ptr, o.via.ext.size));
        out += '}';
        return true;
    case MSGPACK_OBJECT_ARRAY: {
        if (o.via.array.size == 0) {
            out += "[]";
            return true;
        }
        out += '[';
        for (uint32_t i = 0; i < o.via.array.size; ++i) {
            if (i)
                out += ',';
            appendIndent(out, level + 1);
            if (!appendMsgpack(out, o.via.array.ptr[i], level + 1))
                return false;
        }
        appendIndent(out, level);
        out += ']';
        return true;
    }
    case MSGPACK_OBJECT_MAP: {
        if (o.via.map.size == 0) {
            out += "{}";
            return true;
        }
        out += '{';
        for (uint32_t i = 0; i < o.via.map.size; ++i) {
            if (i)
                out += ',';
            appendIndent(out, level + 1);
            const msgpack_object &key = o.via.map.ptr[i].key;
            if (key.type == MSGPACK_OBJECT_STR) {
                appendJsonString(out, QByteArrayView(key.via.str.ptr, key.via.str.size));
            } else { // JSON keys are strings: the key's JSON text, quoted
                QByteArray keyJson;
                if (!appendMsgpack(keyJson, key, level + 1))
                    return false;
                appendJsonString(out, keyJson);
            }
            out += ": ";
            if (!appendMsgpack(out, o.via.map.ptr[i].val, level + 1))
                return false;
        }
        appendIndent(out, level);
        out += '}';
        return true;
    }
    }
    return false;
}

} // namespace

std::optional<QString> messagePackJson(QByteArrayView bytes) {
    if (bytes.isEmpty())
        return std::nullopt;
    const uchar first = uchar(bytes.front());
    const bool container = (first >= 0x80 && first <= 0x9f) || first == 0xdc || first == 0xdd
                           || first == 0xde || first == 0xdf;
    if (!container)
        return std::nullopt; // only maps and arrays count: anything else is too easily a guess
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    size_t offset = 0;
    const msgpack_unpack_return status =
        msgpack_unpack_next(&result, bytes.data(), size_t(bytes.size()), &offset);
    std::optional<QString> out;
    if (status == MSGPACK_UNPACK_SUCCESS && offset == size_t(bytes.size())) {
        QByteArray json;
        if (appendMsgpack(json, result.data, 0))
            out = QString::fromUtf8(json);
    }
    msgpack_unpacked_destroy(&result);
    return out;
}

QString hexDump(QByteArrayView bytes) {
    QString out;
    out.reserve(bytes.size() * 4 + 16);
    for (qsizetype line = 0; line < bytes.size(); line += 16) {
        out += QStringLiteral("%1 ").arg(line, 8, 16, QLatin1Char('0'));
        QString ascii;
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i == line + 8)
                out += QLatin1Char(' ');
            if (i < bytes.size()) {
                const uchar u = uchar(bytes.at(i));
                out += QLatin1Char(' ');
                out += QLatin1Char(hexDigits[u >> 4]);
                out += QLatin1Char(hexDigits[u & 0xf]);
                ascii += u >= 0x20 && u < 0x7f ? QLatin1Char(char(u)) : QLatin1Char('.');
            } else {
                out += QLatin1String("   ");
            }
        }
        out += QLatin1String("  |") + ascii + QLatin1String("|\n");
    }
    return out;
}

QString formatValue(QByteArrayView bytes, Format format, qsizetype maxBytes) {
    const bool cut = bytes.size() > maxBytes;
    QByteArrayView shown = cut ? bytes.first(maxBytes) : bytes;
    if (cut) // do not split a UTF-8 sequence at the cut
        while (!shown.isEmpty() && (uchar(bytes.at(shown.size())) & 0xc0) == 0x80)
            shown.chop(1);
    if (format == Format::Auto)
        format = cut ? (isUtf8(shown) && !hasControlBytes(shown) ? Format::Text : Format::Hex)
                     : detectFormat(shown);
    switch (format) {
    case Format::Json:
        if (auto json = prettyJson(shown))
            return *json;
        return displayText(shown); // not JSON after all: shown as it is
    case Format::Hex:
        return hexDump(shown);
    case Format::MessagePack:
        if (auto json = messagePackJson(shown))
            return *json;
        return hexDump(shown); // not MessagePack (or cut): the bytes
    case Format::Text:
    case Format::Auto:
        break;
    }
    return displayText(shown);
}

QString entrySummary(const StreamEntry &entry, int maxChars) {
    if (entry.deleted)
        return QStringLiteral("(deleted)");
    QString out;
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (out.size() >= maxChars)
            return;
        if (!out.isEmpty())
            out += QLatin1Char(' ');
        out += singleLine(name, 60);
        out += QLatin1Char('=');
        out += singleLine(value, maxChars);
    });
    if (out.size() > maxChars)
        out = out.left(maxChars - 1) + QChar(0x2026);
    return out;
}

} // namespace streamscope::valueformat

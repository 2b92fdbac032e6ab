#include "Import.h"

#include "ValueFormat.h"

namespace streamscope {

namespace {

Error malformed(const QString &message) {
    return Error(Error::Kind::InvalidArgument, message);
}

// name, value pairs of the lossless "fields" form: an object, or an array of [name, value].
Result<QList<QByteArray>> fieldsFrom(const valueformat::JsonValue &fields) {
    using Type = valueformat::JsonValue::Type;
    QList<QByteArray> out;
    if (fields.type == Type::Object) {
        for (qsizetype i = 0; i < fields.items.size(); ++i) {
            const auto value = valueformat::jsonBytes(fields.items.at(i));
            if (!value)
                return malformed(QStringLiteral("the value of field \"%1\" is neither a string "
                                                "nor {\"base64\": \"...\"}")
                                     .arg(QString::fromUtf8(fields.names.at(i))));
            out << fields.names.at(i) << *value;
        }
        return out;
    }
    if (fields.type != Type::Array)
        return malformed(QStringLiteral("\"fields\" is neither an object nor an array of "
                                        "[name, value] pairs"));
    for (qsizetype i = 0; i < fields.items.size(); ++i) {
        const auto &pair = fields.items.at(i);
        if (pair.type != Type::Array || pair.items.size() != 2)
            return malformed(QStringLiteral("field %1 is not a [name, value] pair").arg(i + 1));
        const auto name = valueformat::jsonBytes(pair.items.at(0));
        const auto value = valueformat::jsonBytes(pair.items.at(1));
        if (!name || !value)
            return malformed(QStringLiteral("field %1: a name or value is neither a string nor "
                                            "{\"base64\": \"...\"}")
                                 .arg(i + 1));
        out << *name << *value;
    }
    return out;
}

} // namespace

Result<ImportedEntry> parseJsonLine(QByteArrayView line) {
    using Type = valueformat::JsonValue::Type;
    QString error;
    const auto doc = valueformat::parseJson(line, &error);
    if (!doc)
        return malformed(QStringLiteral("not JSON: %1").arg(error));
    if (doc->type != Type::Object)
        return malformed(QStringLiteral("not a JSON object"));
    ImportedEntry entry;
    bool sawStream = false;
    bool sawId = false;
    bool sawFields = false;
    for (qsizetype i = 0; i < doc->names.size(); ++i) {
        const QByteArray &name = doc->names.at(i);
        const valueformat::JsonValue &value = doc->items.at(i);
        bool *seen = name == "stream"   ? &sawStream
                     : name == "id"     ? &sawId
                     : name == "fields" ? &sawFields
                                        : nullptr;
        if (!seen)
            return malformed(QStringLiteral("unknown member \"%1\" (an entry has stream, id and "
                                            "fields)")
                                 .arg(QString::fromUtf8(name)));
        if (*seen)
            return malformed(QStringLiteral("\"%1\" appears twice").arg(QString::fromUtf8(name)));
        *seen = true;
        if (name == "stream") {
            entry.stream = valueformat::jsonBytes(value);
            if (!entry.stream)
                return malformed(QStringLiteral("\"stream\" is neither a string nor "
                                                "{\"base64\": \"...\"}"));
        } else if (name == "id") {
            if (value.type != Type::String)
                return malformed(QStringLiteral("\"id\" is not a string"));
            auto id = StreamId::parse(value.text);
            if (!id.ok())
                return malformed(QStringLiteral("\"id\": %1").arg(id.error().message));
            entry.id = id.value();
        } else {
            auto fields = fieldsFrom(value);
            if (!fields.ok())
                return fields.error();
            entry.fields = fields.value();
        }
    }
    if (!sawFields)
        return malformed(QStringLiteral("no \"fields\""));
    if (entry.fields.isEmpty())
        return malformed(QStringLiteral("no fields: an entry needs at least one"));
    return entry;
}

Result<QList<CsvCell>> parseCsvRecord(QByteArrayView bytes, bool atEnd, qsizetype *consumed) {
    *consumed = 0;
    QList<CsvCell> cells;
    CsvCell cell;
    bool inQuotes = false;
    bool closed = false; // after a quoted cell's closing quote
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    auto endCell = [&] {
        cells.append(cell);
        cell = {};
        closed = false;
    };
    while (i < n) {
        const char c = bytes.at(i);
        if (inQuotes) {
            if (c != '"') {
                cell.text += c;
                ++i;
            } else if (i + 1 < n && bytes.at(i + 1) == '"') {
                cell.text += '"';
                i += 2;
            } else if (i + 1 == n && !atEnd) {
                return cells.mid(0, 0); // a doubled quote may follow: more bytes needed
            } else {
                inQuotes = false;
                closed = true;
                ++i;
            }
            continue;
        }
        switch (c) {
        case ',':
            endCell();
            ++i;
            break;
        case '\r':
            if (i + 1 == n && !atEnd)
                return QList<CsvCell>();
            if (i + 1 == n || bytes.at(i + 1) != '\n')
                return malformed(QStringLiteral("a carriage return outside quotes"));
            endCell();
            *consumed = i + 2;
            return cells;
        case '\n':
            endCell();
            *consumed = i + 1;
            return cells;
        case '"':
            if (closed || !cell.text.isEmpty())
                return malformed(QStringLiteral("a quote inside an unquoted cell (quote the "
                                                "cell and double the quote)"));
            inQuotes = true;
            cell.quoted = true;
            ++i;
            break;
        default:
            if (closed)
                return malformed(QStringLiteral("text after a closing quote"));
            cell.text += c;
            ++i;
        }
    }
    if (!atEnd)
        return QList<CsvCell>();
    if (inQuotes)
        return malformed(QStringLiteral("a quoted cell is not closed"));
    if (n == 0)
        return QList<CsvCell>();
    endCell();
    *consumed = n;
    return cells;
}

Result<CsvHeader> parseCsvHeader(const QList<CsvCell> &cells) {
    const qsizetype n = cells.size();
    if (n < 4 || cells.at(0).text != "stream" || cells.at(1).text != "id"
        || cells.at(2).text != "time" || cells.at(n - 1).text != "other_fields")
        return malformed(QStringLiteral("not the CSV export's header "
                                        "(stream,id,time,FIELD...,other_fields)"));
    CsvHeader header;
    for (qsizetype i = 3; i + 1 < n; ++i) {
        if (header.fieldColumns.contains(cells.at(i).text))
            return malformed(QStringLiteral("the column \"%1\" appears twice")
                                 .arg(QString::fromUtf8(cells.at(i).text)));
        header.fieldColumns.append(cells.at(i).text);
    }
    return header;
}

Result<ImportedEntry> parseCsvRow(const CsvHeader &header, const QList<CsvCell> &cells) {
    const qsizetype expected = header.fieldColumns.size() + 4;
    if (cells.size() != expected)
        return malformed(
            QStringLiteral("%1 cells where the header has %2").arg(cells.size()).arg(expected));
    ImportedEntry entry;
    if (!cells.at(1).text.isEmpty()) {
        auto id = StreamId::parse(cells.at(1).text);
        if (!id.ok())
            return malformed(QStringLiteral("id: %1").arg(id.error().message));
        entry.id = id.value();
    }
    for (qsizetype i = 0; i < header.fieldColumns.size(); ++i) {
        const CsvCell &cell = cells.at(3 + i);
        if (cell.quoted || !cell.text.isEmpty())
            entry.fields << header.fieldColumns.at(i) << cell.text;
    }
    const QByteArray &other = cells.last().text;
    if (!other.isEmpty()) {
        QString error;
        const auto json = valueformat::parseJson(other, &error);
        if (!json)
            return malformed(QStringLiteral("other_fields is not JSON: %1").arg(error));
        auto fields = fieldsFrom(*json);
        if (!fields.ok())
            return malformed(QStringLiteral("other_fields: %1").arg(fields.error().message));
        entry.fields += fields.value();
    }
    if (entry.fields.isEmpty())
        return malformed(QStringLiteral("no fields: an entry needs at least one"));
    return entry;
}

Result<std::optional<QByteArray>> ImportReader::readRecord() {
    QByteArray record;
    qint64 quotes = 0;
    m_recordLine = m_nextLine;
    while (true) {
        if (m_in->atEnd())
            break;
        // In pieces, into one reused buffer: readLine(n) would allocate n bytes for every line.
        QByteArray line;
        do {
            const qint64 n = m_in->readLine(m_piece.data(), m_piece.size());
            if (n <= 0) {
                if (n < 0 && !m_in->atEnd())
                    return Error(
                        Error::Kind::Io,
                        QStringLiteral("cannot read the input: %1").arg(m_in->errorString()));
                break;
            }
            line.append(m_piece.constData(), qsizetype(n));
            if (record.size() + line.size() > maxRecordBytes)
                return malformed(QStringLiteral("line %1: longer than %2 bytes")
                                     .arg(m_recordLine)
                                     .arg(maxRecordBytes));
        } while (!line.endsWith('\n'));
        record += line;
        if (line.endsWith('\n'))
            ++m_nextLine;
        // A CSV record goes on while a quoted cell is open (an odd number of quotes so far).
        if (m_format == ImportFormat::Csv)
            quotes += line.count('"');
        if (m_format == ImportFormat::JsonLines || quotes % 2 == 0)
            break;
    }
    if (record.isEmpty())
        return std::optional<QByteArray>();
    return std::optional<QByteArray>(record);
}

Result<std::optional<ImportedEntry>> ImportReader::next() {
    auto lineError = [this](const Error &e) {
        return Error(e.kind == Error::Kind::Io ? Error::Kind::Io : Error::Kind::InvalidArgument,
                     e.message.startsWith(QLatin1String("line ")) || e.kind == Error::Kind::Io
                         ? e.message
                         : QStringLiteral("line %1: %2").arg(m_recordLine).arg(e.message));
    };
    while (true) {
        auto record = readRecord();
        if (!record.ok())
            return lineError(record.error());
        if (!record.value())
            return std::optional<ImportedEntry>();
        QByteArray bytes = std::move(*record.value());
        if (m_format == ImportFormat::JsonLines) {
            if (bytes.trimmed().isEmpty())
                continue; // blank lines separate nothing
            if (bytes.endsWith('\n'))
                bytes.chop(bytes.endsWith("\r\n") ? 2 : 1);
            auto entry = parseJsonLine(bytes);
            if (!entry.ok())
                return lineError(entry.error());
            return std::optional<ImportedEntry>(std::move(entry).value());
        }
        if (!m_header && m_recordLine == 1 && bytes.startsWith("\xef\xbb\xbf"))
            bytes.remove(0, 3); // a byte order mark from a spreadsheet
        qsizetype consumed = 0;
        auto cells = parseCsvRecord(bytes, true, &consumed);
        if (!cells.ok())
            return lineError(cells.error());
        if (consumed != bytes.size())
            return lineError(malformed(QStringLiteral("a line break inside a record")));
        if (!m_header) {
            auto header = parseCsvHeader(cells.value());
            if (!header.ok())
                return lineError(header.error());
            m_header = header.value();
            continue;
        }
        auto entry = parseCsvRow(*m_header, cells.value());
        if (!entry.ok())
            return lineError(entry.error());
        return std::optional<ImportedEntry>(std::move(entry).value());
    }
}

Result<ImportCheck> checkImport(QIODevice *in, ImportFormat format, bool keepIds) {
    ImportReader reader(in, format);
    ImportCheck check;
    std::optional<StreamId> previous;
    while (true) {
        auto entry = reader.next();
        if (!entry.ok())
            return entry.error();
        if (!entry.value())
            break;
        const ImportedEntry &e = *entry.value();
        if (keepIds) {
            if (!e.id)
                return malformed(
                    QStringLiteral("line %1: no ID to keep (--keep-ids)").arg(reader.line()));
            if (e.id->isZero())
                return malformed(
                    QStringLiteral("line %1: the ID 0-0 cannot be added").arg(reader.line()));
            if (previous && !(*previous < *e.id))
                return malformed(QStringLiteral("line %1: the ID %2 is not greater than the one "
                                                "before it (%3); --keep-ids needs increasing IDs")
                                     .arg(reader.line())
                                     .arg(e.id->toString(), previous->toString()));
            previous = e.id;
        }
        if (!check.firstId)
            check.firstId = e.id;
        ++check.entries;
    }
    if (format == ImportFormat::Csv && !reader.sawCsvHeader())
        return malformed(QStringLiteral("the input is empty: no CSV header"));
    return check;
}

ImportOutcome sendImport(RedisClient &connection, const QByteArray &stream, QIODevice *in,
                         ImportFormat format, bool keepIds, int batchSize) {
    ImportOutcome out;
    ImportReader reader(in, format);
    QList<Command> batch;
    QList<qint64> lines;
    auto send = [&]() -> bool {
        if (batch.isEmpty())
            return true;
        auto replies = connection.pipeline(batch);
        if (!replies.ok()) {
            out.error = Error(replies.error().kind,
                              QStringLiteral("%1 (%2 entries were added before this batch, up "
                                             "to line %3)")
                                  .arg(replies.error().message)
                                  .arg(out.added)
                                  .arg(lines.isEmpty() ? 0 : lines.first() - 1));
            return false;
        }
        for (size_t i = 0; i < replies->size(); ++i) {
            const RedisReply &reply = replies->at(i);
            if (reply.isError()) {
                out.error = Error(Error::Kind::Server,
                                  QStringLiteral("the server refused the entry of line %1: %2 "
                                                 "(%3 entries before it were added)")
                                      .arg(lines.at(qsizetype(i)))
                                      .arg(reply.errorMessage())
                                      .arg(out.added));
                return false;
            }
            ++out.added;
        }
        batch.clear();
        lines.clear();
        return true;
    };
    while (true) {
        auto entry = reader.next();
        if (!entry.ok()) { // the first pass read it: the input changed in between
            out.error = entry.error();
            return out;
        }
        if (!entry.value())
            break;
        const ImportedEntry &e = *entry.value();
        Command xadd{"XADD", stream, keepIds && e.id ? e.id->toByteArray() : QByteArray("*")};
        xadd += e.fields;
        batch.append(std::move(xadd));
        lines.append(reader.line());
        if (batch.size() >= batchSize && !send())
            return out;
    }
    send();
    return out;
}

} // namespace streamscope

#include "CommandLine.h"

namespace streamscope {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

Error invalid(const QString &what) {
    return Error(Error::Kind::InvalidArgument, QStringLiteral("Invalid argument(s): %1").arg(what));
}

} // namespace

Result<QList<QByteArray>> splitCommandLine(const QString &line) {
    const QByteArray bytes = line.toUtf8();
    const char *p = bytes.constData();
    const char *const end = p + bytes.size();
    QList<QByteArray> args;
    // Columns in messages count characters as typed (1-based), not UTF-8 bytes.
    auto column = [&](const char *at) {
        return QString::fromUtf8(bytes.constData(), at - bytes.constData()).size() + 1;
    };
    for (;;) {
        while (p < end && isSpace(*p))
            ++p;
        if (p == end)
            return args;
        QByteArray current;
        bool inDouble = false, inSingle = false;
        const char *opened = nullptr;
        for (;;) {
            if (inDouble) {
                if (p == end)
                    return invalid(QStringLiteral("the double quote at column %1 is not closed: "
                                                  "add a closing \" (write \\\" for a quote "
                                                  "inside the text)")
                                       .arg(column(opened)));
                if (*p == '\\' && end - p >= 4 && p[1] == 'x' && hexValue(p[2]) >= 0
                    && hexValue(p[3]) >= 0) {
                    current += char(hexValue(p[2]) * 16 + hexValue(p[3]));
                    p += 3;
                } else if (*p == '\\' && end - p >= 2) {
                    ++p;
                    switch (*p) {
                    case 'n':
                        current += '\n';
                        break;
                    case 'r':
                        current += '\r';
                        break;
                    case 't':
                        current += '\t';
                        break;
                    case 'b':
                        current += '\b';
                        break;
                    case 'a':
                        current += '\a';
                        break;
                    default:
                        current += *p;
                        break;
                    }
                } else if (*p == '"') {
                    // The closing quote must end the argument.
                    if (p + 1 < end && !isSpace(p[1]))
                        return invalid(QStringLiteral("the double quote closed at column %1 is "
                                                      "followed by \"%2\": put a space after it "
                                                      "(or write \\\" for a quote inside the text)")
                                           .arg(column(p))
                                           .arg(QString::fromUtf8(p + 1, 1)));
                    inDouble = false;
                    ++p;
                    break;
                } else {
                    current += *p;
                }
            } else if (inSingle) {
                if (p == end)
                    return invalid(QStringLiteral("the single quote at column %1 is not closed: "
                                                  "add a closing ' (write \\' for a quote "
                                                  "inside the text)")
                                       .arg(column(opened)));
                if (*p == '\\' && end - p >= 2 && p[1] == '\'') {
                    current += '\'';
                    ++p;
                } else if (*p == '\'') {
                    if (p + 1 < end && !isSpace(p[1]))
                        return invalid(QStringLiteral("the single quote closed at column %1 is "
                                                      "followed by \"%2\": put a space after it "
                                                      "(or write \\' for a quote inside the text)")
                                           .arg(column(p))
                                           .arg(QString::fromUtf8(p + 1, 1)));
                    inSingle = false;
                    ++p;
                    break;
                } else {
                    current += *p;
                }
            } else {
                if (p == end || isSpace(*p))
                    break;
                if (*p == '"') {
                    inDouble = true;
                    opened = p;
                } else if (*p == '\'') {
                    inSingle = true;
                    opened = p;
                } else {
                    current += *p;
                }
            }
            ++p;
        }
        args.append(current);
    }
}

} // namespace streamscope

#pragma once

#include "RedisReply.h"

#include <QString>

namespace streamscope {

// A reply as redis-cli prints it in a terminal, so that what users know from there reads the
// same here:
//   (integer) 5            "text" (with \n, \", \xHH escapes)     (nil)     OK
//   (error) ERR unknown command 'FOO'...                          (empty array)
//   1) 1) "1700000000000-0"
//      2) 1) "type"
//         2) "order"
//   2) ...
// (RedisReply is RESP2: no doubles, maps or sets reach it.)
//
// Bounded: a 20,000-entry XRANGE must not freeze the window, so at most maxLines lines and
// about maxChars characters are produced; what is left out is said where it was cut, one line
// per array level: "... (19,800 more elements not shown)". A long string shows its first
// maxStringChars characters and then "... (N more bytes not shown)". The walk stops where the
// text does: it never visits the part not shown.
struct ReplyTextLimits {
    int maxLines = 1000;
    qint64 maxChars = 256 * 1024;
    qint64 maxStringChars = 16 * 1024;
};

struct ReplyText {
    QString text;           // without a final newline
    bool truncated = false; // something was left out (and the text says what)
    int lines = 0;
};

ReplyText formatReply(const RedisReply &reply, const ReplyTextLimits &limits = {});

// A string as redis-cli quotes it (sdscatrepr): "a\"b\n\x00" for a"b, a newline and a NUL.
// Bytes outside printable ASCII are \xHH, as redis-cli prints them.
QString quoteBytes(const QByteArray &bytes);

} // namespace streamscope

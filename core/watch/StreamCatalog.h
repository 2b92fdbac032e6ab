#pragma once

#include "Error.h"
#include "RedisClient.h"
#include "StreamInfo.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QSet>

namespace streamscope {

// What the stream list shows next: names to add (or every row, on a reset), names that went,
// and how far the server was searched. Made by StreamCatalog on the poller's thread.
struct StreamCatalogPage {
    quint64 generation = 0;      // a new filter (or connection) is a new generation
    bool reset = false;          // drop every row first (added holds the new rows)
    bool sorted = false;         // the whole list, sorted: insert added names in order
    QList<QByteArray> added;     // to append (or to insert in order when sorted)
    QList<QByteArray> removed;   // gone from the server
    bool complete = false;       // every key of the server was searched (SCAN came back to 0)
    qint64 listed = 0;           // rows the list has after this page
    double searchedFraction = 0; // about how much of the key space was searched (0..1)
    qint64 keysTotal = -1;       // DBSIZE (every key, of any type; -1 unknown, e.g. a cluster)
    QByteArray pattern;          // the MATCH pattern ("*": no filter)
    MissingNodeList missing;     // cluster primaries that could not be searched
};

struct StreamCatalogOptions {
    int pageSize = 1000;       // names per page (the view asks for the next one at its end)
    int scanCount = 1000;      // SCAN COUNT
    int smallLimit = 1000;     // at most this many: the small way (all watched)
    int maxCallsPerPage = 200; // a search for a rare name stops there, and says how far
};

// The stream list's names, found by SCAN ... MATCH pattern TYPE stream in pages (never KEYS,
// never all at once): the first page when the connection (or the filter) is new, then one page
// each time the view scrolls to the end (nextPage). Every name comes out exactly once per
// generation, even when SCAN returns it twice.
//
// Two ways to keep the list current, chosen by size:
// - small (the search is complete and found at most smallLimit names): the whole list again
//   every listing (the same bounded SCAN as before), in name order, with new and gone names;
// - large: the rows stay in the order they were found; once every page was fetched, a sweep
//   of one SCAN call per listing finds streams created since (appended). A stream that went is
//   removed when it is watched (forget()): the rows of the others are not asked about.
// Not thread-safe: the poller's thread only.
class StreamCatalog {
public:
    using Options = StreamCatalogOptions;
    explicit StreamCatalog(Options options = Options());

    // A new filter (empty: every stream): the next call starts a new generation.
    void setPattern(const QByteArray &pattern);
    QByteArray pattern() const { return m_pattern; }
    // Forget everything (a new connection): the next page is a reset.
    void restart();

    // The first page of a generation (reset), or the next one: SCAN until pageSize new names,
    // the end of the search, or maxCallsPerPage calls.
    Result<StreamCatalogPage> nextPage(RedisClient &client);
    // At a listing: the small way's whole list, or the large way's sweep step. Nothing to say
    // (no change): an empty page with generation set.
    Result<StreamCatalogPage> refresh(RedisClient &client);
    // A watched stream that went: its row goes (reported in the next page's removed).
    void forget(const QByteArray &name);
    // The rows forgotten since the last page, as a page of their own (empty removed: none).
    StreamCatalogPage takeRemovals();

    bool started() const { return m_started; }
    bool isComplete() const { return m_done; }
    // Complete, at most smallLimit names: every one is watched.
    bool isSmall() const { return m_small; }
    qint64 size() const { return m_seen.size(); }
    // The names in row order (the small way's whole list; the large way's rows so far).
    const QList<QByteArray> &names() const { return m_rows; }
    quint64 generation() const { return m_generation; }

private:
    struct Cursor {
        QStringList nodes; // primaries to search, in order ("" standalone)
        int node = 0;
        QByteArray cursor = "0";
        bool done = false;
        double fraction() const;
        int tableBits = 0;
    };
    // One SCAN call on the cursor's node; appends the names it returns.
    Error scanOnce(RedisClient &client, Cursor *cursor, QList<QByteArray> *names,
                   MissingNodeList *missing);
    Cursor startCursor(RedisClient &client) const;
    StreamCatalogPage page() const;
    void startGeneration(RedisClient &client);

    Options m_options;
    QByteArray m_pattern = "*";
    bool m_started = false;
    quint64 m_generation = 0;
    Cursor m_pass;  // the first search through the key space
    Cursor m_sweep; // the large way's search for streams created since
    bool m_done = false;
    bool m_small = false;
    QList<QByteArray> m_rows;
    QSet<QByteArray> m_seen;
    QList<QByteArray> m_forgotten;
    qint64 m_keysTotal = -1;
    MissingNodeList m_missing;
};

// A glob for SCAN MATCH from what the user typed: as a literal substring ("*" + text with
// * ? [ ] \ escaped + "*"), or, when asPattern, the text as typed (empty: every name).
QByteArray matchPattern(const QString &text, bool asPattern);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::StreamCatalogPage)

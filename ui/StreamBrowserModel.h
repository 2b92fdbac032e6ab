#pragma once

#include "StreamEntry.h"
#include "StreamPaging.h"

#include "PagedTableModel.h"

#include <QAbstractTableModel>
#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace streamscope {

// One stream's history, newest first, loaded page by page by ID, never whole: older pages as the
// view scrolls back (fetchMore) or on fetchOlder(), newer pages above on fetchNewer(). open()
// starts at the newest entries, or around a moment or an ID (entries before and after it).
class StreamBrowserModel : public PagedTableModel<StreamEntry> {
    Q_OBJECT
public:
    enum Column { IdColumn, TimeColumn, FieldsColumn, ColumnCount };
    enum Role { EntryRole = Qt::UserRole + 1 };
    static constexpr int pageSize = 500;
    using PagedTableModel::PagedTableModel;

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void fetchMore(const QModelIndex &parent) override;

    void open(const QByteArray &stream, const PageStart &start = PageStart::newest());
    // The next page forward (XRANGE from just after the newest row, or from where the jump
    // landed when nothing was found), inserted above the rows.
    void fetchNewer();
    // The next page back (as scrolling does), also when nothing is loaded yet.
    void fetchOlder();
    bool canFetchNewer() const { return !m_stream.isEmpty() && !isLoading(); }
    bool canFetchOlder() const { return !m_stream.isEmpty() && !isLoading() && !atEnd(); }
    // Nothing newer was there at the last read (new entries may have been added since).
    bool atNewest() const { return m_atNewest; }
    // Nothing older is there.
    bool atOldest() const { return atEnd(); }
    // A page arrived; pages of an earlier open() are ignored.
    void addPage(int request, const StreamEntryList &page, const QString &error);
    // Drops the rows of entries deleted on the server.
    void removeEntries(const QByteArray &stream, const QList<QByteArray> &ids);
    QByteArray stream() const { return m_stream; }

Q_SIGNALS:
    void pageWanted(int request, const QByteArray &stream, int kind, quint64 ms, quint64 seq,
                    int count);
    void pageLoaded(int rows, bool atEnd);
    void failed(const QString &message);

private:
    void request(const PageStart &start);

    QByteArray m_stream;
    PageStart m_asked; // what the page under way was asked for
    StreamId m_anchor; // where the last open() landed (for paging from an empty result)
    bool m_atNewest = true;
};

// Filters the loaded entries by field name and value: contains, equals or regex.
class EntryFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Mode { Contains, Equals, Regex };
    using QSortFilterProxyModel::QSortFilterProxyModel;
    // An empty field matches any field; an empty value matches any value. Returns false (and
    // keeps the old filter) when a regex does not compile; error says why.
    bool setFilter(const QByteArray &field, const QString &value, Mode mode, QString *error);
    bool isActive() const { return !m_field.isEmpty() || !m_value.isEmpty(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override;

private:
    QByteArray m_field;
    QString m_value;
    Mode m_mode = Mode::Contains;
    QRegularExpression m_regex;
};

} // namespace streamscope

#pragma once

#include "StreamEntry.h"
#include "ValueFormat.h"

#include <QTextBrowser>

namespace streamscope {

class ValueDialog;

// The selected entry, field by field: JSON values pretty-printed, non-UTF-8 bytes escaped,
// values over 64 KiB cut (the rest is never laid out, so a 16 MB value does not freeze).
class EntryDetailView : public QTextBrowser {
    Q_OBJECT
public:
    static constexpr int maxShownBytes = 64 * 1024;
    explicit EntryDetailView(QWidget *parent = nullptr);
    void showEntry(const StreamEntry &entry);
    void clearEntry();
    // Auto (default): JSON, text or hex per value; or one format for every value.
    void setFormat(valueformat::Format format);
    valueformat::Format format() const { return m_format; }
    // Opens a field's whole value in its own window (also the "open" links).
    ValueDialog *openValue(int field);

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void render();
    std::optional<StreamEntry> m_entry;
    valueformat::Format m_format = valueformat::Format::Auto;
};

} // namespace streamscope

#include "iin_xml.h"
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <stdlib.h>
#include <string.h>

struct iin_xml_parser {
    xmlSAXHandler handler;
    xmlParserCtxtPtr context;
    void *user;
    iin_xml_start start;
    iin_xml_end end;
    iin_xml_text text;
    const unsigned char **attributes;
    int capacity;
};

static void on_start(void *data, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int namespaces, const xmlChar **ns, int count, int defaulted, const xmlChar **attributes) {
    (void)prefix; (void)uri; (void)namespaces; (void)ns; (void)defaulted;
    iin_xml_parser *parser = (iin_xml_parser *)data;
    if (count * 3 > parser->capacity) {
        parser->capacity = count * 3 + 16;
        parser->attributes = realloc(parser->attributes, sizeof(unsigned char *) * parser->capacity);
    }
    for (int index = 0; index < count; index++) {
        parser->attributes[index * 3] = attributes[index * 5];
        parser->attributes[index * 3 + 1] = attributes[index * 5 + 3];
        parser->attributes[index * 3 + 2] = attributes[index * 5 + 4];
    }
    parser->start(parser->user, localname, count, parser->attributes);
}

static void on_end(void *data, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    (void)prefix; (void)uri;
    iin_xml_parser *parser = (iin_xml_parser *)data;
    parser->end(parser->user, localname);
}

static void on_text(void *data, const xmlChar *text, int length) {
    iin_xml_parser *parser = (iin_xml_parser *)data;
    parser->text(parser->user, text, length);
}

iin_xml_parser *iin_xml_create(void *user, iin_xml_start start, iin_xml_end end, iin_xml_text text, const char *name) {
    iin_xml_parser *parser = calloc(1, sizeof(iin_xml_parser));
    if (!parser) return NULL;
    parser->user = user;
    parser->start = start;
    parser->end = end;
    parser->text = text;
    memset(&parser->handler, 0, sizeof(xmlSAXHandler));
    parser->handler.initialized = XML_SAX2_MAGIC;
    parser->handler.startElementNs = on_start;
    parser->handler.endElementNs = on_end;
    parser->handler.characters = on_text;
    parser->handler.cdataBlock = on_text;
    parser->context = xmlCreatePushParserCtxt(&parser->handler, parser, NULL, 0, name);
    if (!parser->context) {
        free(parser);
        return NULL;
    }
    xmlCtxtUseOptions(parser->context, XML_PARSE_NONET | XML_PARSE_HUGE);
    return parser;
}

int iin_xml_feed(iin_xml_parser *parser, const char *bytes, int length, int terminate) {
    return xmlParseChunk(parser->context, bytes, length, terminate);
}

const char *iin_xml_error(iin_xml_parser *parser, int *line) {
    const xmlError *error = xmlCtxtGetLastError(parser->context);
    if (!error) return NULL;
    if (line) *line = error->line;
    return error->message;
}

void iin_xml_free(iin_xml_parser *parser) {
    if (!parser) return;
    xmlFreeParserCtxt(parser->context);
    free(parser->attributes);
    free(parser);
}
